"""Rollback, case by case at its edges: which versions count as earlier or later, which
installations a rollback re-does, where it overwrites, and what a pin or a prune changes.
Each case is one the mutation run of the planning core (``make mutation``) showed
untested."""

from __future__ import annotations

from typing import Any

from plan_factories import OWNER, pkg_id, remote_of
from test_plan_install_cases import ENVS, declared, inst
from test_plan_rollback import (
    A_ID,
    B_ID,
    STEPS,
    a_history,
    contents,
    pinned,
    settings,
    versions,
)

from reconciler.domain.profiles import PROFILE_2023
from reconciler.domain.remote import RemotePackage
from reconciler.plan import rollback
from reconciler.plan.changes import Install, Rollback
from reconciler.plan.identity import Match
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.ownership import (
    environment_key_short,
    installation_key,
    parse_marker,
    with_marker,
)
from reconciler.plan.planner import plan
from reconciler.plan.readings import Readings

C_ID = pkg_id("version C")
PREVIEW, PRODUCTION = (environment_key_short(ENVS[e]) for e in ("preview", "production"))


def the_rollback(result: Any) -> Rollback:
    change = result.actions[0].change
    assert isinstance(change, Rollback), result.actions[0]
    return change


def installs(result: Any) -> dict[str, Install]:
    return {a.environment: a.change for a in result.actions if isinstance(a.change, Install)}


def test_a_file_declaring_overwrite_keeps_it_and_records_no_declared_value() -> None:
    a, b = contents()
    data = {**a.model_dump(exclude={"origin", "definition_content"}),
            "install": [{**s, "existing": "overwrite"} for s in STEPS]}
    wanted = type(a).model_validate(data)
    result = plan([wanted], versions(wanted, b), settings(), a_history())
    for change in installs(result).values():
        assert (change.existing, change.declared_existing) == ("overwrite", None)


def test_rollback_installs_carry_the_origin_and_the_earlier_packages_version() -> None:
    a, b = contents()
    result = plan([a], versions(a, b), settings(), a_history())
    for action in result.actions[1:]:
        assert action.origin == "packages/agency.yaml:4" and action.package_id == A_ID


def test_under_2023_the_installs_are_of_the_new_assembly() -> None:
    a, b = contents()
    result = plan([a], versions(a, b), settings(PROFILE_2023.capabilities), a_history())
    for action in result.actions:
        if action.kind is ActionKind.INSTALL:
            assert action.package_id is None and action.reason is Reason.NEW_VERSION
    [said] = [w for w in result.warnings if "rollback" in w]
    assert "could not be returned to the earlier content" in said


def test_an_earlier_version_with_no_history_read_is_never_installed() -> None:
    a, b = contents()
    result = plan([a], versions(a, b), settings(), {B_ID: a_history()[B_ID]})
    change = the_rollback(result)
    assert change.earlier.installed == () and set(installs(result)) == {"preview",
                                                                        "production"}


def test_the_earlier_markers_prior_keys_are_kept() -> None:
    a, b = contents()
    earlier, later = versions(a, b)
    text = with_marker(a.description, OWNER, a.digest(), a.revision, {"0badc0de"})
    earlier = earlier.model_copy(update={"description": text})
    marker = parse_marker(the_rollback(plan([a], [earlier, later], settings(),
                                            a_history())).description)
    assert marker is not None and "0badc0de" in marker.prior


def three_versions(c_reached: tuple[str, ...]) -> tuple[Any, list[RemotePackage],
                                                          dict[str, Any]]:
    """A, then B (installed in preview and production), then C (installed where told);
    the files back at A."""
    a, b = contents()
    c = declared("ACTIVE", *STEPS, entities=("Campaign Launch",))
    earlier, middle = versions(a, b)
    middle = middle.model_copy(update={"status": "DISABLED"})
    latest = remote_of(c, id=C_ID, createdAt="2026-11-25T00:00:00.000Z")
    history = {**a_history(), C_ID: [inst(e, "INSTALLED", C_ID, ident=f"c-{e}",
                                          at="2026-11-26T00:00:00.000Z") for e in c_reached]}
    return a, [earlier, middle, latest], history


def test_a_version_between_counts_as_later_too() -> None:
    """C reached only preview; B, between A and C, reached production: both overwrite."""
    a, remote, history = three_versions(("preview",))
    result = plan([a], remote, settings(), history)
    marker = parse_marker(the_rollback(result).description)
    assert marker is not None and marker.rollback == {PREVIEW, PRODUCTION}
    assert {e: c.existing for e, c in installs(result).items()} == {
        "preview": "overwrite", "production": "overwrite"}


def test_versions_older_than_the_earlier_one_and_others_packages_do_not_count() -> None:
    a, b = contents()
    earlier, later = versions(a, b)
    older = remote_of(b, id=pkg_id("older"), status="DISABLED",
                      createdAt="2026-10-01T00:00:00.000Z")
    theirs = remote_of(b, id=pkg_id("theirs"), status="DISABLED", owner="someone-else",
                       createdAt="2026-11-10T00:00:00.000Z")
    history = {A_ID: a_history()[A_ID], B_ID: [],
               older.id: [inst("production", "INSTALLED", older.id, ident="o",
                               at="2026-12-01T00:00:00.000Z")],
               theirs.id: [inst("production", "INSTALLED", theirs.id, ident="t",
                                at="2026-12-01T00:00:00.000Z")]}
    match = Match(a, later, (earlier, older, theirs))
    read = Readings()
    assert rollback.later_versions(match, earlier, OWNER, read) == [later]
    result = plan([a], [older, earlier, theirs, later], settings(), history)
    assert installs(result) == {}
    marker = parse_marker(the_rollback(result).description)
    assert marker is not None and marker.rollback == frozenset()


def test_only_finished_installs_of_the_earlier_version_are_overtaken_in_any_order() -> None:
    since = rollback.reached([[inst("production", "INSTALLED", B_ID, ident="b",
                                    at="2026-11-20T00:00:00.000Z")]])
    earlier = [inst("preview", "INSTALLED", A_ID, ident="a-prev"),
               inst("production", "PREPARING", A_ID, ident="a-pre"),
               inst("production", "INSTALLED", A_ID, ident="a-prod"),
               inst("production", "INSTALLED", A_ID, ident="a-late",
                    at="2026-12-01T00:00:00.000Z")]
    assert rollback.overtaken(earlier, since) == {installation_key("a-prod")}


def test_candidates_need_our_current_package_with_other_content() -> None:
    a, b = contents()
    earlier, later = versions(a, b)
    read = Readings()
    assert rollback.candidates(Match(a, later, (earlier,)), OWNER, read) == [earlier]
    theirs = remote_of(b, id=B_ID, owner="someone-else")
    assert rollback.candidates(Match(a, theirs, (earlier,)), OWNER, read) == []
    same = remote_of(a, id=B_ID)
    assert rollback.candidates(Match(a, same, (earlier,)), OWNER, read) == []
    assert rollback.candidates(Match(a, None, (earlier,)), OWNER, read) == []


def test_records_are_labelled_by_name_else_id() -> None:
    package = RemotePackage(id="p", packageEntities={
        "TMPL": [{"id": "t1", "name": "Launch"}, {"id": "t2"}, {"ID": "t3"}]})
    assert rollback.records(package) == ("TMPL ?", "TMPL Launch", "TMPL t2")
    assert rollback.day("2026-11-02T09:00:00.000Z") == "2026-11-02"
    assert rollback.day(None) is None


# --- widen: pins and prunes ------------------------------------------------------------------


def test_widen_leaves_unpinned_and_unrelated_matches_alone() -> None:
    a, b = contents()
    earlier, later = versions(a, b)
    read = Readings()
    match = Match(a, later, (earlier,))
    assert rollback.widen(match, [earlier, later], OWNER, read) is match
    empty = Match(a, None)
    assert rollback.widen(empty, [earlier], OWNER, read) is empty
    # pinned to B, but nothing of ours under the name holds A's content: as it was
    c = declared("ACTIVE", *STEPS, entities=("Campaign Launch",))
    other = remote_of(c, id=C_ID, status="DISABLED")
    pinned_b = Match(pinned(a, B_ID), later)
    assert rollback.widen(pinned_b, [later, other], OWNER, read) is pinned_b


def test_widen_of_a_pin_adds_only_our_versions_under_the_name() -> None:
    a, b = contents()
    earlier, later = versions(a, b)
    read = Readings()
    deleted = earlier.model_copy(update={"id": pkg_id("deleted"),
                                         "deletedAt": "2026-11-30T00:00:00.000Z"})
    renamed = earlier.model_copy(update={"id": pkg_id("renamed"), "name": "Other"})
    theirs = remote_of(a, id=pkg_id("theirs"), status="DISABLED", owner="someone-else")
    live_a = remote_of(a, id=pkg_id("live A"), status="ACTIVE")
    match = Match(pinned(a, B_ID), later)
    widened = rollback.widen(match, [later, earlier, deleted, renamed, theirs, live_a],
                             OWNER, read)
    assert widened.remote is later and widened.superseded == (earlier,)


def test_a_pin_to_the_earlier_version_prefers_the_newest_live_later_one() -> None:
    a, b = contents()
    earlier, later = versions(a, b)
    read = Readings()
    newer_disabled = remote_of(b, id=C_ID, status="DISABLED",
                               createdAt="2026-11-25T00:00:00.000Z")
    failed = remote_of(b, id=pkg_id("failed"), status="ASSEMBLING_FAILED",
                       createdAt="2026-11-28T00:00:00.000Z")
    slim = remote_of(b, id=pkg_id("slim"), createdAt="2026-11-29T00:00:00.000Z")
    slim = slim.model_copy(update={"status": None})
    older = remote_of(b, id=pkg_id("older"), status="ACTIVE",
                      createdAt="2026-10-01T00:00:00.000Z")
    match = Match(pinned(a, A_ID), earlier)
    widened = rollback.widen(match, [earlier, later, newer_disabled, failed, slim, older],
                             OWNER, read)
    assert widened.remote is later          # live beats a newer disabled one
    assert earlier in widened.superseded and later not in widened.superseded
    # only disabled later versions: the newest of them
    match = Match(a, earlier, (later.model_copy(update={"status": "DISABLED"}),
                               newer_disabled))
    widened = rollback.widen(match, [], OWNER, read)
    assert widened.remote is newer_disabled
    # a pinned version that is not disabled, or holds other content, is left as it is
    for remote in (earlier.model_copy(update={"status": "ACTIVE"}),
                   remote_of(b, id=A_ID, status="DISABLED")):
        match = Match(pinned(a, A_ID), remote)
        assert rollback.widen(match, [later], OWNER, read) is match
    # nor is another owner's disabled package pinned by id
    theirs = remote_of(a, id=A_ID, status="DISABLED", owner="someone-else")
    match = Match(pinned(a, A_ID), theirs)
    assert rollback.widen(match, [later], OWNER, read) is match


def test_a_pin_to_the_later_version_warns_only_when_it_rolls_back() -> None:
    a, b = contents()
    result = plan([pinned(a, B_ID)], versions(a, b), settings(), a_history())
    [said] = [w for w in result.warnings if "pins id" in w]
    assert said.endswith(f"change the line to `id: {A_ID}` in packages/agency.yaml")
    result = plan([pinned(a, B_ID)], versions(a, b), settings(PROFILE_2023.capabilities),
                  a_history())
    assert not [w for w in result.warnings if "the version this rollback retires" in w]
    assert result.actions[0].kind is ActionKind.REPLACE


def test_the_rollback_action_names_its_source_origin_and_content_change() -> None:
    a, b = contents()
    [own, *_] = plan([a], versions(a, b), settings(), a_history()).actions
    assert (own.source_env, own.origin) == ("sandbox", "packages/agency.yaml:4")
    assert [d.path for d in own.diffs][:1] == ["content"]
    assert own.diffs[0].new == a.digest()


def test_the_fallback_of_a_package_by_value_goes_by_reference_under_current() -> None:
    from test_plan_installed_content import by_value

    a, b = by_value("One"), by_value("One", "Two")
    change = the_rollback(plan([a], versions(a, b), settings(), a_history()))
    assert change.fallback.definition is None and change.fallback.collections


def test_the_words_when_2023_cannot_roll_back() -> None:
    from test_plan_installed_content import by_value

    a, b = contents()
    earlier, later = versions(a, b)
    no_date = earlier.model_copy(update={"createdAt": None})
    result = plan([a], [no_date, later], settings(PROFILE_2023.capabilities), a_history())
    [said] = [w for w in result.warnings if "rollback" in w]
    assert said == (
        f"package 'Agency Onboarding': the declared content is what the earlier package "
        f"{A_ID} holds, but a rollback that re-uses it is not possible under api: 2023: this "
        "API has no OVERWRITING install action, so the targets' records could not be "
        "returned to the earlier content; instead it is assembled again from today's "
        "sandbox, which may have changed since")
    v1, v2 = by_value("One"), by_value("One", "Two")
    result = plan([v1], versions(v1, v2), settings(PROFILE_2023.capabilities), a_history())
    [said] = [w for w in result.warnings if "rollback" in w]
    assert said.endswith("instead its declared definition is written again (PUT): a "
                         "rollback by definition, installed as `existing:` declares")


def test_a_pin_to_the_re_used_version_asks_nothing_of_the_pin() -> None:
    a, b = contents()
    result = plan([pinned(a, A_ID)], versions(a, b), settings(), a_history())
    assert result.actions[0].kind is ActionKind.ROLLBACK
    assert not [w for w in result.warnings if "pins id" in w]
    # without an origin the pin warning names no file
    bare = pinned(a, B_ID).model_copy(update={"origin": None})
    result = plan([bare], versions(a, b), settings(), a_history())
    [said] = [w for w in result.warnings if "pins id" in w]
    assert said.endswith(f"change the line to `id: {A_ID}`")


def test_what_prepare_fetches_for_a_rollback_follows_pins_and_the_profile() -> None:
    from reconciler.plan.prepare import prepare

    a, b = contents()
    slim = [r.model_copy(update={"packageEntities": None}) for r in versions(a, b)]
    prepared = prepare([pinned(a, B_ID)], slim, settings())
    assert A_ID in prepared.details and {A_ID, B_ID} <= prepared.histories
    prepared = prepare([a], slim, settings(PROFILE_2023.capabilities))
    assert A_ID not in prepared.details and A_ID not in prepared.histories


def test_adopting_a_package_drops_what_another_owners_marker_recorded() -> None:
    a, _ = contents()
    text = with_marker(a.description, "someone-else", a.digest(), a.revision, {"0badc0de"},
                       rollback={PRODUCTION})
    theirs = remote_of(a, id=A_ID, description=text, owner=None)
    [own, *_] = plan([a], [theirs], settings(adopt=True), {A_ID: []}).actions
    assert own.reason is Reason.ADOPTED
    marker = parse_marker(own.data()["after"]["description"])
    assert marker is not None and marker.owner == OWNER
    assert (marker.prior, marker.rollback) == (frozenset(), frozenset())


def test_a_pinned_rollback_prunes_the_other_versions_as_before() -> None:
    """Pinned to C, content A: the rollback acts on C and A; B, an old version the pin
    never claimed, is pruned in the same run (`prune: delete`), so the next plan is empty."""
    a, remote, history = three_versions(("preview",))
    result = plan([pinned(a, C_ID)], remote, settings(prune="delete"), history)
    by_kind = {(x.kind, x.package_id) for x in result.actions
               if x.kind is not ActionKind.INSTALL}
    assert by_kind == {(ActionKind.ROLLBACK, C_ID), (ActionKind.DELETE, B_ID)}


def test_a_pin_to_a_newer_disabled_version_while_an_older_one_is_live_rolls_forward() -> None:
    """Rolled back to A, then the files go forward to B again, pinned to B: B is re-used
    and A, live, is retired."""
    a, b = contents()
    earlier, later = versions(a, b)
    live_a = earlier.model_copy(update={"status": "ACTIVE"})
    retired_b = later.model_copy(update={"status": "DISABLED"})
    history = {A_ID: [*a_history()[A_ID], inst("preview", "INSTALLED", A_ID, ident="a-again",
                                               at="2026-12-01T00:00:00.000Z")],
               B_ID: [inst(e, "INSTALLED", B_ID, ident=f"b-{e}", at="2026-06-01T00:00:00.000Z")
                      for e in ("preview", "production")]}
    result = plan([pinned(b, B_ID)], [live_a, retired_b], settings(), history)
    change = the_rollback(result)
    assert (result.actions[0].package_id, change.earlier.state.id) == (A_ID, B_ID)
    assert set(installs(result)) == {"preview"}
