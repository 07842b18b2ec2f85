"""Identity corner cases: pins, retired versions, same-name versions, and what stays claimed.

Each test names the situation a user meets; they were written against the survivors of a
mutation run of the planning core (docs/testing.md), so each pins one decision down.
"""

from __future__ import annotations

import pytest
from plan_factories import OWNER, pkg_id, remote_of, settings, spec

from reconciler.domain.declared import SourceRef
from reconciler.errors import WfpromoteError
from reconciler.plan.identity import match_packages
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan

OLD_CONTENT = ("New Agency Onboarding",)
NEW_CONTENT = ("New Agency Onboarding", "Campaign Launch")


def _ids(p):  # type: ignore[no-untyped-def]
    return [(a.kind, a.package_id) for a in p.actions]


# --- pins ----------------------------------------------------------------------------------


def test_a_pin_that_does_not_exist_says_so_in_full() -> None:
    missing = pkg_id("gone")
    with pytest.raises(WfpromoteError) as info:
        match_packages([spec("Risk Register", id=missing)], [], OWNER)
    assert info.value.message == (f"package 'Risk Register' pins id {missing}, which does not "
                                  "exist remotely (or was deleted)")
    assert info.value.hint == ("remove the `id:` line to create the package anew, "
                               "or fix the id")


def test_a_pin_is_honoured_after_an_unpinned_package() -> None:
    pinned_id = pkg_id("pinned")
    remote = remote_of(spec("Old name"), id=pinned_id)
    first, renamed = spec("Alpha"), spec("New name", id=pinned_id)
    matches = match_packages([first, renamed], [remote], OWNER)
    assert [m.remote for m in matches] == [None, remote]


def test_two_packages_pinning_one_id_are_refused() -> None:
    shared = pkg_id("shared")
    remote = remote_of(spec("Alpha"), id=shared)
    with pytest.raises(WfpromoteError) as info:
        plan([spec("Alpha", id=shared), spec("Beta", id=shared.upper())], [remote], settings())
    assert info.value.message == (f"packages 'Alpha' and 'Beta' pin the same id "
                                  f"{shared.upper()}")
    assert info.value.hint == "each package may pin a different id only"


def test_a_pinned_package_is_not_also_found_by_name() -> None:
    pinned_id = pkg_id("pinned")
    remote = remote_of(spec("Alpha"), id=pinned_id)
    renamed, newcomer = spec("Renamed", id=pinned_id), spec("Alpha")
    matches = match_packages([renamed, newcomer], [remote], OWNER)
    assert [m.remote for m in matches] == [remote, None]


# --- a pin on a version an earlier replace retired ------------------------------------------


def _retired(**new: object):  # type: ignore[no-untyped-def]
    """A declared package pinning a retired (DISABLED) version, and a live successor."""
    old_id = pkg_id("retired")
    declared = spec("Risk Register", status="ACTIVE", id=old_id, entities=NEW_CONTENT)
    old = remote_of(spec("Risk Register", status="ACTIVE", id=old_id, entities=OLD_CONTENT),
                    status="DISABLED")
    successor = remote_of(declared, id=pkg_id("successor"), **new)  # type: ignore[arg-type]
    return declared, old, successor


def test_the_retired_pinned_version_stays_claimed_under_prune_delete() -> None:
    declared, old, successor = _retired()
    p = plan([declared], [old, successor], settings(prune="delete"))
    assert _ids(p) == [(ActionKind.NOOP, successor.id)]
    assert old.id in p.remote_fingerprints


def test_the_stale_pin_warning_names_the_file_to_edit() -> None:
    declared, old, successor = _retired()
    located = declared.model_copy(update={"origin": SourceRef(file="packages/risk.yaml")})
    expected = (f"package 'Risk Register' pins id {old.id}, a version an earlier replace "
                f"disabled; following it to {successor.id}: change the line to "
                f"`id: {successor.id}`")
    assert plan([located], [old, successor], settings()).warnings == (
        expected + " in packages/risk.yaml",)
    assert plan([declared], [old, successor], settings()).warnings == (expected,)


@pytest.mark.parametrize("successor_fields", [
    {"status": "ASSEMBLING_FAILED"},           # a failed attempt is no successor
    {"status": "DISABLED"},                    # nor is another retired version
    {"name": "Another Name"},                  # nor a package under another name
    {"owner": "other-team"},                   # nor somebody else's package
])
def test_a_pin_follows_only_a_healthy_successor_of_ours_by_the_same_name(
        successor_fields: dict[str, str]) -> None:
    declared, old, _ = _retired()
    fields = dict(successor_fields)
    name = fields.pop("name", declared.name)
    candidate = remote_of(declared.model_copy(update={"name": name}), id=pkg_id("candidate"),
                          digest=declared.digest(), **fields)  # type: ignore[arg-type]
    (match,) = match_packages([declared], [old, candidate], OWNER)
    assert (match.remote, match.stale_pin, match.superseded) == (old, None, ())


def test_a_pin_on_somebody_elses_retired_package_is_kept() -> None:
    declared, old, successor = _retired()
    foreign_old = remote_of(spec("Risk Register", id=old.id, entities=OLD_CONTENT),
                            owner="other-team", status="DISABLED")
    unmarked_old = remote_of(spec("Risk Register", id=old.id, entities=OLD_CONTENT),
                             owner=None, status="DISABLED")
    for pinned in (foreign_old, unmarked_old):
        (match,) = match_packages([declared], [pinned, successor], OWNER)
        assert (match.remote, match.stale_pin) == (pinned, None)


def test_a_successor_pinned_by_another_package_is_not_followed() -> None:
    declared, old, successor = _retired()
    other = spec("Elsewhere", id=successor.id)
    first, second = match_packages([other, declared], [old, successor], OWNER)
    assert (first.remote, second.remote, second.stale_pin) == (successor, old, None)


def test_pinning_the_successor_a_pin_already_followed_is_refused() -> None:
    declared, old, successor = _retired()
    other = spec("Elsewhere", id=successor.id)
    with pytest.raises(WfpromoteError) as info:
        match_packages([declared, other], [old, successor], OWNER)
    assert info.value.message == (f"packages 'Risk Register' and 'Elsewhere' pin the same id "
                                  f"{successor.id}")


# --- several versions under one name ---------------------------------------------------------


def _version(label: str, content: tuple[str, ...], status: str = "DISABLED",
             owner: str | None = OWNER):  # type: ignore[no-untyped-def]
    return remote_of(spec("Risk Register", status="ACTIVE", entities=content),
                     id=pkg_id(label), status=status, owner=owner)


def test_all_versions_disabled_the_one_with_the_declared_content_is_it() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    current, older = _version("current", NEW_CONTENT), _version("older", OLD_CONTENT)
    (match,) = match_packages([declared], [older, current], OWNER)
    assert (match.remote, match.superseded) == (current, (older,))
    (action,) = plan([declared], [older, current], settings(prune="delete")).actions
    assert (action.kind, action.package_id, action.data()["after"]) == (
        ActionKind.UPDATE, current.id, {"status": "ACTIVE"})


def test_all_versions_disabled_only_our_marker_with_the_content_counts() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    ours = _version("ours", NEW_CONTENT)
    foreign = _version("foreign", NEW_CONTENT, owner="other-team")
    unmarked = _version("unmarked", NEW_CONTENT, owner=None)
    (match,) = match_packages([declared], [unmarked, foreign, ours], OWNER)
    assert (match.remote, match.superseded) == (ours, (unmarked, foreign))


def test_our_retired_versions_without_the_content_stay_and_a_new_one_is_made() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    first = _version("first", OLD_CONTENT)
    second = _version("second", ("Campaign Launch",))
    (match,) = match_packages([declared], [first, second], OWNER)
    assert (match.remote, match.superseded) == (None, (first, second))
    p = plan([declared], [first, second], settings(prune="delete"))
    assert [(a.kind, a.package_id) for a in p.actions] == [(ActionKind.CREATE, None)]


@pytest.mark.parametrize("owner", ["other-team", None])
def test_retired_versions_not_all_ours_stay_ambiguous(owner: str | None) -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    ours, theirs = _version("ours", OLD_CONTENT), _version("theirs", OLD_CONTENT, owner=owner)
    with pytest.raises(WfpromoteError) as info:
        match_packages([declared], [ours, theirs], OWNER)
    assert info.value.message == (
        f"package 'Risk Register' matches several remote packages by name: {ours.id} is "
        f"managed by owner {OWNER!r}, {theirs.id} is not (made by hand or by another tool)")
    assert info.value.hint == (f"pin the managed one: add `id: {ours.id}` to the package "
                               "file; the other packages of that name are then left alone (or "
                               "rename them in Workfront)")


def test_a_hand_made_twin_of_an_owned_package_names_the_pin_and_the_file() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=OLD_CONTENT).model_copy(
        update={"origin": SourceRef(file="promotions/risk.yaml", line=3)})
    ours = _version("ours", OLD_CONTENT, status="ACTIVE")
    twins = [_version(n, OLD_CONTENT, status="DRAFT", owner=None) for n in ("t1", "t2")]
    with pytest.raises(WfpromoteError) as info:
        match_packages([declared], [twins[0], ours, twins[1]], OWNER)
    others = ", ".join(sorted(t.id for t in twins))
    assert info.value.message == (
        "package 'Risk Register' (declared at promotions/risk.yaml:3) matches several remote "
        f"packages by name: {ours.id} is managed by owner {OWNER!r}, {others} are not (made "
        "by hand or by another tool)")
    assert f"add `id: {ours.id}` to promotions/risk.yaml" in (info.value.hint or "")
    # Following the hint: the pin matches ours, and the twins are left alone.
    pinned = declared.model_copy(update={"id": ours.id})
    p = plan([pinned], [twins[0], ours, twins[1]], settings())
    assert _ids(p) == [(ActionKind.NOOP, ours.id)]


def test_several_candidates_none_clearly_ours_are_described_one_by_one() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    mine = [_version(n, OLD_CONTENT, status="ACTIVE") for n in ("m1", "m2")]
    foreign = _version("foreign", OLD_CONTENT, status="TESTING", owner="other-team")
    with pytest.raises(WfpromoteError) as info:
        match_packages([declared], [*mine, foreign], OWNER)
    message = info.value.message
    for package in mine:
        assert f"{package.id} (managed by this owner, ACTIVE)" in message
    assert f"{foreign.id} (owner 'other-team', TESTING)" in message
    assert "`id: <one of these ids>`" in (info.value.hint or "")


def test_two_retired_versions_with_the_declared_content_stay_ambiguous() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    one, two = _version("one", NEW_CONTENT), _version("two", NEW_CONTENT)
    with pytest.raises(WfpromoteError, match="matches several remote packages"):
        match_packages([declared], [one, two], OWNER)


def test_ambiguity_lists_only_the_live_versions() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    live = [_version(n, OLD_CONTENT, status="ACTIVE", owner=None) for n in ("a", "b")]
    retired = _version("retired", OLD_CONTENT)
    with pytest.raises(WfpromoteError) as info:
        match_packages([declared], [retired, *live], OWNER)
    assert all(p.id in info.value.message for p in live)
    assert retired.id not in info.value.message


def test_an_unfinished_replace_keeps_an_older_retired_version_under_prune_delete() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    retired = _version("retired", ("Campaign Launch",))
    old = _version("old", OLD_CONTENT, status="ACTIVE")
    new = _version("new", NEW_CONTENT, status="ACTIVE")
    (match,) = match_packages([declared], [retired, old, new], OWNER)
    assert (match.remote, match.superseded, match.leftovers) == (new, (retired,), (old,))
    p = plan([declared], [retired, old, new], settings(prune="delete"))
    assert sorted(_ids(p)) == sorted([(ActionKind.NOOP, new.id), (ActionKind.DISABLE, old.id)])
    disable = next(a for a in p.actions if a.kind is ActionKind.DISABLE)
    assert disable.reason is Reason.SUPERSEDED


@pytest.mark.parametrize("adopt", [False, True])
def test_a_live_hand_made_twin_of_our_disabled_package_is_not_taken(adopt: bool) -> None:
    # Before: the twin was the match, and the hint said "pass --adopt", which replaced it.
    declared = spec("Risk Register", status="DISABLED", entities=OLD_CONTENT)
    ours = _version("ours", OLD_CONTENT)  # DISABLED, with our marker
    twin = _version("twin", OLD_CONTENT, status="ACTIVE", owner=None)
    with pytest.raises(WfpromoteError) as info:
        plan([declared], [ours, twin], settings(adopt=adopt))
    assert f"{ours.id} is managed by owner {OWNER!r}, {twin.id} is not" in info.value.message
    assert f"`id: {ours.id}`" in (info.value.hint or "")
    pinned = declared.model_copy(update={"id": ours.id})
    assert _ids(plan([pinned], [ours, twin], settings(adopt=adopt))) == [
        (ActionKind.NOOP, ours.id)]
