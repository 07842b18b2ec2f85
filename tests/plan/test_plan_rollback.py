"""Rollback by ``git revert`` in the pure core (issue 22, part 1): which earlier version is
re-used, what the plan says and carries, what is fetched for it, and where it is not done."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from plan_factories import OWNER, pkg_id, remote_of
from test_plan_install_cases import ENVS, KINDS, declared, inst
from test_plan_installed_content import by_value

from reconciler.desired.schemas import load_schema
from reconciler.domain.declared import PackageSpec
from reconciler.domain.profiles import CURRENT, PROFILE_2023
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.output.describe import details, headline, summary_line
from reconciler.output.saved import plan_to_data
from reconciler.plan.changes import Install, Replace, Rollback, change_from_data
from reconciler.plan.model import ActionKind, Plan, Reason
from reconciler.plan.ownership import (
    environment_key_short,
    installation_key,
    parse_marker,
    with_marker,
)
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare
from reconciler.plan.settings import PlanSettings

A_ID, B_ID = pkg_id("version A"), pkg_id("version B")
STEPS = ({"environment": "preview"},
         {"environment": "production", "after": ["preview"]})


def settings(capabilities: Any = CURRENT.capabilities, **extra: Any) -> PlanSettings:
    values: dict[str, Any] = {"owner": OWNER, "capabilities": capabilities,
                              "environments": ENVS, "environment_kinds": KINDS,
                              "profile": "current" if capabilities is CURRENT.capabilities
                              else "2023"}
    values.update(extra)
    return PlanSettings(**values)


def contents() -> tuple[PackageSpec, PackageSpec]:
    """Content A (one template) and content B (two), both installed in order."""
    return (declared("ACTIVE", *STEPS),
            declared("ACTIVE", *STEPS, entities=("New Agency Onboarding", "Campaign Launch")))


def versions(a: PackageSpec, b: PackageSpec, *, a_owner: str = OWNER,
             a_status: str = "DISABLED") -> list[RemotePackage]:
    """A's package retired by B's (a content change under current)."""
    earlier = remote_of(a, id=A_ID, status=a_status, owner=a_owner,
                        createdAt="2026-11-02T09:00:00.000Z",
                        retiredAt="2026-11-20T10:00:00.000Z",
                        packageEntities={"TMPL": [{"id": "t1", "name": "New Agency Onboarding"}],
                                         "TTSK": [{"id": "t2", "name": "Kick-off"}]})
    later = remote_of(b, id=B_ID, createdAt="2026-11-20T09:00:00.000Z")
    return [earlier, later]


def a_history() -> dict[str, list[Installation]]:
    return {A_ID: [inst("preview", "INSTALLED", A_ID, ident="a-prev"),
                   inst("production", "INSTALLED", A_ID, ident="a-prod")],
            B_ID: [inst("preview", "INSTALLED", B_ID, ident="b-prev"),
                   inst("production", "INSTALLED", B_ID, ident="b-prod")]}


def test_a_revert_re_uses_the_earlier_version_and_installs_it_overwriting() -> None:
    a, b = contents()
    result = plan([a], versions(a, b), settings(), a_history())
    [own, *installs] = result.actions
    assert own.kind is ActionKind.ROLLBACK and own.reason is Reason.ROLLBACK
    change = own.change
    assert isinstance(change, Rollback)
    assert own.package_id == B_ID and change.earlier.state.id == A_ID
    assert change.earlier.installed == ("preview", "production")
    assert change.earlier.records == ("TMPL New Agency Onboarding", "TTSK Kick-off")
    assert change.fields()["status"] == "ACTIVE"
    marker = parse_marker(change.description)
    assert marker is not None and marker.digest == a.digest()
    # both environments had B since: installs there overwrite
    assert marker.rollback == {environment_key_short(ENVS["preview"]),
                               environment_key_short(ENVS["production"])}
    # A's own installations hold its content, but the targets have had B's since
    assert marker.prior == {installation_key("a-prev"), installation_key("a-prod")}
    assert headline(own) == ("rollback to package " + A_ID[:8] + " assembled 2026-11-02, "
                             "installed in preview, production until 2026-11-20")
    assert [i.environment for i in installs] == ["preview", "production"]
    for action in installs:
        assert isinstance(action.change, Install)
        assert action.package_id == A_ID and action.reason is Reason.ROLLBACK
        assert (action.change.existing, action.change.declared_existing) == ("overwrite", "use")
        assert action.blocked is None
    assert "1 to roll back" in summary_line(result)
    assert any(d.label == "overwrites, where a target holds them" for d in details(own))
    assert any("(a rollback)" in w and "production" in w for w in result.warnings)


def test_the_earlier_version_is_read_whole_and_its_history_fetched() -> None:
    a, b = contents()
    slim = [r.model_copy(update={"packageEntities": None}) for r in versions(a, b)]
    prepared = prepare([a], slim, settings())
    assert A_ID in prepared.details and A_ID in prepared.histories
    # a plain content change reads neither
    c = declared("ACTIVE", *STEPS, entities=("Campaign Launch",))
    prepared = prepare([c], slim, settings())
    assert A_ID not in prepared.details and A_ID not in prepared.histories


@pytest.mark.parametrize("case", ["other owner", "not disabled digest", "replace requested",
                                  "not declared content"])
def test_no_rollback_without_our_disabled_version_of_the_declared_content(case: str) -> None:
    a, b = contents()
    remote = versions(a, b, a_owner="someone-else" if case == "other owner" else OWNER)
    wanted = a
    extra: dict[str, Any] = {}
    if case == "replace requested":
        extra["replaces"] = frozenset({a.name})
    if case == "not declared content":
        wanted = declared("ACTIVE", *STEPS, entities=("Campaign Launch",))
    if case == "not disabled digest":
        remote[0] = remote_of(b, id=A_ID, status="DISABLED")
    result = plan([wanted], remote, settings(**extra), a_history())
    assert result.actions[0].kind is ActionKind.REPLACE
    assert not any(a.kind is ActionKind.ROLLBACK for a in result.actions)


def test_of_several_earlier_versions_with_the_content_the_newest_is_re_used() -> None:
    a, b = contents()
    remote = versions(a, b)
    older = remote_of(a, id=pkg_id("older A"), status="DISABLED",
                      createdAt="2026-10-01T00:00:00.000Z")
    result = plan([a], [older, *remote], settings(), a_history())
    change = result.actions[0].change
    assert isinstance(change, Rollback) and change.earlier.state.id == A_ID


def test_under_2023_by_reference_the_plan_says_why_and_assembles_again() -> None:
    a, b = contents()
    result = plan([a], versions(a, b), settings(PROFILE_2023.capabilities), a_history())
    own = result.actions[0]
    assert isinstance(own.change, Replace) and own.reason is Reason.CONTENT_CHANGED
    [said] = [w for w in result.warnings if "rollback" in w]
    assert f"what the earlier package {A_ID} (assembled 2026-11-02) holds" in said
    assert "not possible under api: 2023" in said and "OVERWRITING" in said
    assert "assembled again from today's sandbox" in said


def test_under_2023_by_value_it_rolls_back_by_its_definition() -> None:
    a, b = by_value("One"), by_value("One", "Two")
    result = plan([a], versions(a, b), settings(PROFILE_2023.capabilities), a_history())
    own = result.actions[0]
    assert isinstance(own.change, Replace) and own.change.strategy.value == "put"
    assert any("rollback by definition" in w for w in result.warnings)


def test_later_installs_of_a_re_used_package_still_overwrite_until_done() -> None:
    a, _ = contents()
    keys = {installation_key("a-prev"), installation_key("a-prod")}
    text = with_marker(a.description, OWNER, a.digest(), a.revision, keys,
                       rollback={environment_key_short(ENVS["production"])})
    live = remote_of(a, id=A_ID, description=text, owner=None)
    history = {A_ID: [inst("preview", "INSTALLED", A_ID, ident="a-prev"),
                      inst("production", "INSTALLED", A_ID, ident="a-prod"),
                      inst("preview", "INSTALLED", A_ID, ident="a-again",
                           at="2026-12-01T00:00:00.000Z")]}
    result = plan([a], [live], settings(), history)
    [install] = [x for x in result.actions if x.kind is ActionKind.INSTALL]
    assert install.environment == "production" and install.reason is Reason.INSTALL_REQUESTED
    assert isinstance(install.change, Install)
    assert (install.change.existing, install.change.declared_existing) == ("overwrite", "use")
    # under a profile without OVERWRITING the marker's word is not acted on
    result = plan([a], [live], settings(PROFILE_2023.capabilities), history)
    [install] = [x for x in result.actions if x.kind is ActionKind.INSTALL]
    assert isinstance(install.change, Install) and install.change.existing == "use"


def test_a_rollback_counts_as_risky_in_the_change_threshold() -> None:
    a, b = contents()
    result = plan([a], versions(a, b), settings(min_managed=1, max_change_percent=10.0),
                  a_history())
    assert result.verdict is not None and result.verdict.rule == "threshold"


def test_the_saved_plan_carries_the_rollback_and_reads_it_back() -> None:
    a, b = contents()
    result: Plan = plan([a], versions(a, b), settings(), a_history())
    data = plan_to_data(result)
    jsonschema.validate(data, load_schema("plan"))
    assert data["summary"]["rollback"] == 1
    for written, action in zip(data["actions"], result.actions, strict=True):
        assert change_from_data(written) == action.change
    [rollback] = [x for x in data["actions"] if x["action"] == "rollback"]
    assert rollback["earlier"]["id"] == A_ID and rollback["earlier"]["until"]
    assert rollback["fallback"]["objectCollections"]


def test_the_marker_reads_rollback_and_reads_past_words_it_does_not_know() -> None:
    text = with_marker("Text", OWNER, "a" * 64, None, {"0badc0de"},
                       rollback={"12345678", "0000ffff"})
    assert text.endswith("prior=0badc0de rollback=0000ffff,12345678")
    marker = parse_marker(text)
    assert marker is not None and marker.prior == {"0badc0de"}
    assert marker.rollback == {"12345678", "0000ffff"}
    assert parse_marker(text + " later=word") == marker
    assert parse_marker(text.replace("\n\n", " ") + " later=word") == marker
    plain = parse_marker(with_marker("", OWNER, "b" * 64))
    assert plain is not None and not plain.rollback and "rollback" not in plain.line()


def test_where_no_later_version_went_the_earlier_install_stands() -> None:
    a, b = contents()
    history = a_history()
    history[B_ID] = [inst("preview", "INSTALLED", B_ID, ident="b-prev")]   # not production
    result = plan([a], versions(a, b), settings(), history)
    installs = [x for x in result.actions if x.kind is ActionKind.INSTALL]
    assert [x.environment for x in installs] == ["preview"]
    assert [x.change.existing for x in installs] == ["overwrite"]  # type: ignore[union-attr]
    change = result.actions[0].change
    assert isinstance(change, Rollback)
    marker = parse_marker(change.description)
    assert marker is not None and marker.prior == {installation_key("a-prev")}
    # an install of the later version that came before the earlier one's does not count
    history[B_ID] = [inst("production", "INSTALLED", B_ID, ident="b-prod",
                          at="2025-06-01T00:00:00.000Z")]
    result = plan([a], versions(a, b), settings(), history)
    assert not [x for x in result.actions if x.kind is ActionKind.INSTALL]


def test_an_installed_earlier_version_is_preferred_to_a_newer_never_installed_twin() -> None:
    a, b = contents()
    remote = versions(a, b)
    twin = remote_of(a, id=pkg_id("late twin of A"), status="DISABLED",
                     createdAt="2026-11-03T00:00:00.000Z")
    result = plan([a], [*remote, twin], settings(), a_history())
    change = result.actions[0].change
    assert isinstance(change, Rollback) and change.earlier.state.id == A_ID
    assert change.earlier.installed == ("preview", "production")


def test_a_description_edit_after_a_rollback_keeps_the_rollback_word() -> None:
    a, _ = contents()
    text = with_marker("old words", OWNER, a.digest(), a.revision, {"0badc0de"},
                       rollback={"12345678"})
    live = remote_of(a, id=A_ID, description=text, owner=None)
    edited = a.model_copy(update={"description": "new words"})
    [own, *_] = plan([edited], [live], settings(), {A_ID: []}).actions
    assert own.kind is ActionKind.UPDATE
    written = own.data()["after"]["description"]
    marker = parse_marker(written)
    assert marker is not None and marker.rollback == {"12345678"}
    assert marker.prior == {"0badc0de"}


def test_an_environment_no_later_version_went_to_is_installed_as_declared() -> None:
    """A never went to production, nor did B: the rollback's first install there is an
    ordinary one (existing as declared), as there is nothing of B's to undo."""
    a, b = contents()
    history = {A_ID: [inst("preview", "INSTALLED", A_ID, ident="a-prev")],
               B_ID: [inst("preview", "FAILED", B_ID, ident="b-prev")]}   # tried: may have
    result = plan([a], versions(a, b), settings(), history)          # written records
    installs = {x.environment: x.change for x in result.actions
                if isinstance(x.change, Install)}
    assert installs["preview"].existing == "overwrite"
    assert (installs["production"].existing, installs["production"].declared_existing) == \
        ("use", None)


def pinned(declared_spec: PackageSpec, package_id: str) -> PackageSpec:
    return declared_spec.model_copy(update={"id": package_id})


def test_a_pin_to_the_later_version_rolls_back_and_says_to_move_the_pin() -> None:
    """`id:` updated to B after the content change (as the plan asked), then the content
    commit reverted."""
    a, b = contents()
    result = plan([pinned(a, B_ID)], versions(a, b), settings(), a_history())
    own = result.actions[0]
    assert isinstance(own.change, Rollback) and own.package_id == B_ID
    assert own.change.earlier.state.id == A_ID
    assert any(f"pins id {B_ID}" in w and f"`id: {A_ID}`" in w for w in result.warnings)
    # and the next plan, with the pin still on B, follows it to A
    assert not [x for x in result.actions if x.kind is ActionKind.DISABLE]


def test_a_pin_to_the_earlier_version_while_a_later_one_is_live_is_a_rollback() -> None:
    """The whole file reverted: content A and `id: A` (DISABLED), B live."""
    a, b = contents()
    result = plan([pinned(a, A_ID)], versions(a, b), settings(), a_history())
    own = result.actions[0]
    assert isinstance(own.change, Rollback)
    assert (own.package_id, own.change.earlier.state.id) == (B_ID, A_ID)
    installs = [x for x in result.actions if isinstance(x.change, Install)]
    assert [x.change.existing for x in installs] == ["overwrite", "overwrite"]  # type: ignore[union-attr]
    # B is retired by the rollback, not pruned besides
    assert [x.kind for x in result.actions if x.package_id == B_ID] == [ActionKind.ROLLBACK]
    # with no later version live, a pinned disabled version is re-enabled as before
    alone = [versions(a, b)[0]]
    [own, *_] = plan([pinned(a, A_ID)], alone, settings(), a_history()).actions
    assert own.kind is ActionKind.UPDATE


def test_the_re_used_version_is_read_whole_when_the_listing_needed_details_first() -> None:
    """Slim list items that make the matching ambiguous are fetched first; the earlier
    version a rollback then finds is read whole too (its records, its retiredAt)."""
    import asyncio
    from typing import cast

    from test_plan_pipeline import FakeAPI, config

    from reconciler.api.protocol import PromotionAPI
    from reconciler.clock import FakeClock
    from reconciler.run.planning import PlanOptions, build_plan

    class API(FakeAPI):
        capabilities = CURRENT.capabilities

        async def list_installations(self, package_id: str) -> list[Installation]:
            return a_history().get(package_id, [])

    a, b = contents()
    earlier, later = versions(a, b)
    other = remote_of(declared("ACTIVE", *STEPS, entities=("Campaign Launch",)),
                      id=pkg_id("older C"), status="DISABLED",
                      createdAt="2026-10-01T00:00:00.000Z")
    listing = [earlier.model_copy(update={"packageEntities": None, "retiredAt": None}),
               later.model_copy(update={"status": None}), other.model_copy(update={"status": None})]
    api = API(listing, {p.id: p for p in (earlier, later, other)})
    result = asyncio.run(build_plan(config(), [a], {"sandbox": cast(PromotionAPI, api)},
                                    PlanOptions(), FakeClock()))
    change = result.actions[0].change
    assert isinstance(change, Rollback) and A_ID in api.gets
    assert change.earlier.records and change.earlier.until


def test_a_file_restored_after_its_package_was_pruned_rolls_back() -> None:
    """A, then B, then the file deleted (B pruned: disabled), then the file restored as A:
    every version is disabled, and the targets hold B."""
    a, b = contents()
    earlier, later = versions(a, b)
    later = later.model_copy(update={"status": "DISABLED"})
    result = plan([a], [earlier, later], settings(), a_history())
    own = result.actions[0]
    assert isinstance(own.change, Rollback)
    assert (own.package_id, own.change.earlier.state.id) == (B_ID, A_ID)
    assert not any("(retired)" in d.label for d in details(own))
    installs = [x.change for x in result.actions if isinstance(x.change, Install)]
    assert [c.existing for c in installs] == ["overwrite", "overwrite"]
    # with no later version at all, the restored package is re-enabled as it was
    [own, *rest] = plan([a], [earlier], settings(), a_history()).actions
    assert own.kind is ActionKind.UPDATE and not rest
