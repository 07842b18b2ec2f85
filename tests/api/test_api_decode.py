"""The normaliser's small rules, one by one, and the profile table."""

from __future__ import annotations

import pytest
from apihelpers import shape

from reconciler.api import decode
from reconciler.domain.profiles import PROFILES, get_profile
from reconciler.domain.remote import Installation, environment_key
from reconciler.errors import ConfigError


@pytest.mark.parametrize(("raw", "host"), [
    ("acme.my.workfront.com", "acme.my.workfront.com"),
    ("https://acme.my.workfront.com", "acme.my.workfront.com"),
    ("https://ACME.my.workfront.com/", "acme.my.workfront.com"),
    ("http://127.0.0.1:8765/preview/", "127.0.0.1:8765/preview"),
    ("https://acme.my.workfront.com/?x=1", "acme.my.workfront.com"),
    (None, None),
])
def test_bare_host(raw: str | None, host: str | None) -> None:
    assert environment_key(raw) == host
    assert decode.installation({"id": "i1", "environment": raw}).environment == host


@pytest.mark.parametrize(("payload", "expected"), [
    ({"data": [1]}, [1]),
    ({"data": None}, None),
    ({"data": 1, "other": 2}, {"data": 1, "other": 2}),
    ([{"data": 1}], [{"data": 1}]),
    ("text", "text"),
])
def test_unwrap_only_single_data_key(payload: object, expected: object) -> None:
    assert decode.unwrap(payload) == expected


@pytest.mark.parametrize(("text", "found"), [
    ("5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff\n", "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"),
    ('"5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"', "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"),
    ('{"installationId": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}',
     "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"),
    ('{"data": {"id": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}}',
     "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"),
    # never a UUID found anywhere else: a package id or a map entry is not the installation
    ('{"installation": {"id": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}}', None),
    ('{"packageId": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}', None),
    ("Installation 5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff accepted", None),
    ("{}", None), ("", None), ("Accepted", None), ('{"id": "not-a-uuid"}', None),
])
def test_installation_id(text: str, found: str | None) -> None:
    assert decode.installation_id(text) == found


def test_newest_prefers_latest_registered_then_last() -> None:
    a = Installation(id="a", registeredAt="2024-01-02T00:00:00.000Z")
    b = Installation(id="b", registeredAt="2024-01-01T00:00:00.000Z")
    c = Installation(id="c")
    assert decode.newest([a, b, c]).id == "a"  # type: ignore[union-attr]
    assert decode.newest([c, Installation(id="d")]).id == "d"  # type: ignore[union-attr]
    assert decode.newest([]) is None


def test_old_and_current_names_agree_when_both_present() -> None:
    # The 2023 simulator sends displayEntities next to packageEntities; neither is lost.
    pkg = decode.package({"data": {"id": "x", "packageName": "old", "name": "new",
                                      "packageEntities": {"GROUP": []},
                                      "displayEntities": {"ROLE": []}}})
    assert pkg.name == "new"
    assert pkg.packageEntities == {"GROUP": []}


def test_entities_keyed_by_id_are_accepted() -> None:
    pkg = decode.package({"id": "x", "packageEntities": {
        "GROUP": {"a" * 32: {"name": "G", "description": "null"}}}})
    assert pkg.packageEntities == {"GROUP": [{"id": "a" * 32, "name": "G", "description": ""}]}


def test_translation_entry_null_target_and_lower_case_action() -> None:
    mapping = decode.translation_map({"GROUP": {"s": {"action": "create", "targetId": None,
                                                         "name": None}}})
    entry = mapping["GROUP"]["s"]
    assert (entry.action, entry.targetId, entry.name) == ("CREATE", "", "")


@pytest.mark.parametrize("bad", [
    {"data": {"name": "no id"}}, {"data": "Deleted"}, 42,
    {"id": "x", "packageEntities": ["not", "a", "map"]},
])
def test_unreadable_packages_raise_unexpected_shape(bad: object) -> None:
    with pytest.raises(decode.UnexpectedShape):
        decode.package(bad)


def test_installation_wrapped_in_data_is_accepted() -> None:
    inst = decode.installation({"data": shape("prepare_installation_current.json")})
    assert inst.status == "PREPARING"


def test_translation_map_body_round_trips() -> None:
    mapping = decode.translation_map(shape("translation_map_current.json"))
    body = decode.translation_map_body(mapping)
    assert decode.translation_map(body) == mapping


def test_profile_table() -> None:
    assert set(PROFILES) == {"current", "2023"}
    current, old = get_profile("current"), get_profile("2023")
    assert current.api_root("https://a.my.workfront.com/") == \
        "https://a.my.workfront.com/environment-promotion/api/v1"
    assert old.api_root("https://a.my.workfront.com") == \
        "https://a.my.workfront.com/environment-promotion/v1"
    assert current.wire_status("ACTIVE") == "ACTIVE"
    assert old.wire_status("ACTIVE") == "PUBLIC"
    assert old.wire_status("WHATEVER") == "WHATEVER"
    flags = ("replace_with_put", "read_definition", "reassemble_with_patch",
             "install_with_map", "map_in_prerun_install")
    assert {k for k in flags if getattr(current.capabilities, k)} == {"install_with_map"}
    assert {k for k in flags if not getattr(old.capabilities, k)} == {"install_with_map"}
    # the actions each API has (reference 1.4): OVERWRITING arrived 2024-03
    assert "OVERWRITING" in current.capabilities.map_actions
    assert "OVERWRITING" not in old.capabilities.map_actions
    assert current.capabilities.missing_actions_reason is None
    assert "2024-03" in (old.capabilities.missing_actions_reason or "")
    with pytest.raises(ConfigError, match="unknown API profile"):
        get_profile("2022")
