"""Planner corner cases: what each action carries and the exact words of warnings and errors.

Written against the survivors of a mutation run of the planning core (docs/testing.md): each
test pins down one decision a user would notice if it changed.
"""

from __future__ import annotations

import pytest
from plan_factories import ENVS, LEGACY, OWNER, pkg_id, remote_of, settings, spec

from reconciler.domain.declared import SourceRef
from reconciler.errors import UnsafePlan, WfpromoteError
from reconciler.plan.model import ActionKind, Reason, ReplaceStrategy
from reconciler.plan.ownership import with_marker
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare

NEW_CONTENT = ("New Agency Onboarding", "Campaign Launch")


def _at(s, file: str = "packages/p.yaml", line: int = 3):  # type: ignore[no-untyped-def]
    return s.model_copy(update={"origin": SourceRef(file=file, line=line)})


# --- nothing to say when nothing happened ----------------------------------------------------


def test_an_up_to_date_package_gives_no_warning() -> None:
    s = spec("Quiet", description="text", status="ACTIVE")
    p = plan([s], [remote_of(s)], settings())
    assert [a.kind for a in p.actions] == [ActionKind.NOOP]
    assert p.warnings == ()


def test_a_content_change_of_our_package_gives_no_warning() -> None:
    s = spec("Changed", status="ACTIVE", entities=NEW_CONTENT)
    (action,) = plan([s], [remote_of(s, digest="0" * 64)], settings()).actions
    assert (action.kind, action.reason) == (ActionKind.REPLACE, Reason.CONTENT_CHANGED)
    assert plan([s], [remote_of(s, digest="0" * 64)], settings()).warnings == ()


# --- what an action carries ------------------------------------------------------------------


def test_an_update_carries_before_source_and_origin() -> None:
    s = _at(spec("Pkg", description="new", status="ACTIVE"))
    remote = remote_of(s, description="old  \r\n", source=ENVS["sandbox"])
    (action,) = plan([s], [remote], settings()).actions
    assert action.data()["before"] == {"id": remote.id, "name": "Pkg", "description": "old",
                             "status": "ACTIVE", "source": ENVS["sandbox"]}
    assert (action.source_env, action.origin) == ("sandbox", "packages/p.yaml:3")


def test_before_keeps_the_raw_status_and_omits_an_unknown_source() -> None:
    s = spec("Pkg")
    remote = remote_of(s, status="assembling", description="Text")
    (action,) = plan([s], [remote], settings()).actions
    assert action.data()["before"] == {"id": remote.id, "name": "Pkg", "description": "Text",
                             "status": "ASSEMBLING"}


def test_a_rename_by_pin_shows_old_and_new_name() -> None:
    pinned = pkg_id("pinned")
    remote = remote_of(spec("Old name"), id=pinned)
    (action,) = plan([spec("New name", id=pinned)], [remote], settings()).actions
    assert [(d.path, d.old, d.new) for d in action.diffs] == [("name", "Old name", "New name")]


def test_a_replace_shows_the_digests_and_where_it_is_declared() -> None:
    s = _at(spec("Pkg", status="ACTIVE", entities=NEW_CONTENT))
    (action,) = plan([s], [remote_of(s, digest="0" * 64)], settings()).actions
    assert (action.diffs[0].path, action.diffs[0].old, action.diffs[0].new) == (
        "content", "0" * 64, s.digest())
    assert action.origin == "packages/p.yaml:3"


@pytest.mark.parametrize(("capabilities", "status", "strategy", "desired"), [
    (None, "ACTIVE", ReplaceStrategy.CREATE_THEN_DISABLE, "ACTIVE"),
    (None, "DRAFT", ReplaceStrategy.CREATE_THEN_DISABLE, None),
    # Content by reference: a new package under 2023 too (issue 19, item 2).
    (LEGACY, "ACTIVE", ReplaceStrategy.CREATE_THEN_DISABLE, "ACTIVE"),
    (LEGACY, "DRAFT", ReplaceStrategy.CREATE_THEN_DISABLE, None),
])
def test_desired_status_of_a_replace(capabilities, status, strategy, desired) -> None:  # type: ignore[no-untyped-def]
    s = spec("Pkg", status=status, entities=NEW_CONTENT)
    extra = {"capabilities": capabilities} if capabilities else {}
    (action,) = plan([s], [remote_of(s, digest="0" * 64)], settings(**extra)).actions
    saved = action.data()
    assert (saved.get("strategy"), saved.get("desired_status")) == (strategy, desired)
    if strategy is ReplaceStrategy.PUT:
        assert (action.data()["after"] or {})["status"] == status


def test_a_replace_without_put_shows_records_in_and_out_only() -> None:
    form, budget = "a" * 32, "b" * 32
    old = {"PARAM": [{"id": budget, "name": "Budget"}]}
    new = {"PARAM": [{"id": budget, "name": "Budget (USD)"}, {"id": form, "name": "Form"}]}
    before, after = spec("Brief", definition=old), spec("Brief", definition=new)
    fetched = remote_of(after, digest=before.digest(), packageEntities=old)
    (action,) = plan([after], [fetched], settings()).actions
    assert [d.path for d in action.diffs] == ["content", f"packageEntities.PARAM[{form}]"]


def test_a_pinned_replace_by_create_says_to_update_the_pin() -> None:
    pinned = pkg_id("pinned")
    s = spec("Pkg", status="ACTIVE", entities=NEW_CONTENT, id=pinned)
    p = plan([s], [remote_of(s, digest="0" * 64)], settings())
    assert p.warnings == (f"package 'Pkg' pins id {pinned}; the replace creates a new package, "
                          "so update the `id:` line to the new id after applying",)
    # Content by reference is replaced by a new package under 2023 too: the same warning.
    assert plan([s], [remote_of(s, digest="0" * 64)], settings(capabilities=LEGACY)
                ).warnings == p.warnings


def test_a_package_still_assembling_is_compared_as_draft_and_said_so() -> None:
    # Compared as DRAFT, and still an update whose only step is to wait for the assembly:
    # a plan is empty only once the package is known to be DRAFT (docs/planning.md).
    s = spec("Pkg", status="DRAFT")
    p = plan([s], [remote_of(s, status="ASSEMBLING")], settings())
    (action,) = p.actions
    assert (action.kind, action.reason) == (ActionKind.UPDATE, Reason.FIELDS_CHANGED)
    assert [(d.path, d.old, d.new) for d in action.diffs] == [("status", "ASSEMBLING", "DRAFT")]
    assert action.data()["after"] == {"status": "DRAFT"}
    assert p.warnings == ("package 'Pkg' is still assembling; compared as DRAFT",)
    # Declared another status: the one diff says where it goes, from DRAFT as compared.
    t = spec("Pkg", status="ACTIVE")
    (action,) = plan([t], [remote_of(t, status="ASSEMBLING")], settings()).actions
    assert [(d.path, d.old, d.new) for d in action.diffs] == [("status", "DRAFT", "ACTIVE")]


def test_an_unassembled_package_is_replaced_with_a_warning() -> None:
    s = spec("Pkg", status="ACTIVE")
    remote = remote_of(s, status="UNASSEMBLED")
    p = plan([s], [remote], settings())
    (action,) = p.actions
    assert (action.kind, action.reason) == (ActionKind.REPLACE, Reason.ASSEMBLY_FAILED)
    assert p.warnings == (f"package 'Pkg' ({remote.id}) is UNASSEMBLED; replacing it with a "
                          "freshly assembled one",)


# --- adopting --------------------------------------------------------------------------------


def test_adopting_a_package_of_another_owner_writes_our_marker() -> None:
    s = spec("Pkg", description="Kept text", status="ACTIVE")
    remote = remote_of(s, owner="other-team", packageEntities={"TMPL": [
        {"id": s.objectCollections[0].entities[0].ID, "name": "New Agency Onboarding"}]})  # type: ignore[index]
    p = plan([s], [remote], settings(adopt=True))
    (action,) = p.actions
    assert (action.kind, action.reason) == (ActionKind.UPDATE, Reason.ADOPTED)
    assert [(d.path, d.old, d.new) for d in action.diffs] == [
        ("ownership", "other-team", OWNER)]
    assert action.data()["after"] == {"description": with_marker("Kept text", OWNER, s.digest())}
    assert p.warnings == ()


def test_adopting_what_cannot_be_compared_replaces_it_with_a_warning() -> None:
    s = spec("Pkg", status="ACTIVE")
    remote = remote_of(s, owner=None)
    p = plan([s], [remote], settings(adopt=True))
    (action,) = p.actions
    assert (action.kind, action.reason) == (ActionKind.REPLACE, Reason.CONTENT_CHANGED)
    assert p.warnings == (f"cannot compare the content of remote package 'Pkg' ({remote.id}); "
                          "adopting it by replacing it",)


def test_packages_of_other_owners_are_refused_naming_each() -> None:
    first, second = spec("First"), spec("Second")
    theirs, unmarked = remote_of(first, owner="other-team"), remote_of(second, owner=None)
    with pytest.raises(UnsafePlan) as info:
        plan([first, second], [theirs, unmarked], settings())
    assert info.value.message == (
        f"remote packages with a declared name are not managed by owner '{OWNER}': "
        f"'First' (id {theirs.id}, owner 'other-team'); 'Second' (id {unmarked.id}, no marker)")
    assert info.value.hint == "pass --adopt to take them over, or rename the declared packages"


# --- an unfinished replace -------------------------------------------------------------------


def _half_replaced():  # type: ignore[no-untyped-def]
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    old_spec = spec("Risk Register", status="ACTIVE")
    olds = [remote_of(old_spec, id=pkg_id(n), source=ENVS["sandbox"]) for n in ("o1", "o2")]
    new = remote_of(declared, id=pkg_id("new"))
    return declared, olds, new


def test_the_leftovers_of_an_unfinished_replace_are_disabled_in_full() -> None:
    declared, olds, new = _half_replaced()
    p = plan([declared], [*olds, new], settings(prune="off"))
    disables = sorted((a for a in p.actions if a.kind is ActionKind.DISABLE),
                      key=lambda a: a.package_id or "")
    assert [a.package_id for a in disables] == sorted(o.id for o in olds)
    for action in disables:
        assert (action.name, action.reason, action.data()["after"]) == (
            "Risk Register", Reason.SUPERSEDED, {"status": "DISABLED"})
        assert action.data()["before"] == {"id": action.package_id, "name": "Risk Register",
                                 "description": "", "status": "ACTIVE",
                                 "source": ENVS["sandbox"]}
    ids = ", ".join(o.id for o in olds)
    assert p.warnings == (
        f"package 'Risk Register': an earlier replace did not finish; {new.id} is kept and the "
        f"other live version(s) ({ids}) are disabled, as that replace would have done",)


def test_several_disables_of_one_name_are_ordered_by_id() -> None:
    declared, olds, new = _half_replaced()
    newest_first = sorted(olds, key=lambda o: o.id, reverse=True)
    p = plan([declared], [*newest_first, new], settings())
    assert [a.package_id for a in p.changes] == sorted(o.id for o in olds)


def test_needs_detail_judges_an_unfinished_replace_without_fetching() -> None:
    declared, olds, new = _half_replaced()
    assert prepare([declared], [*olds, new], settings()).details == set()


# --- prune -----------------------------------------------------------------------------------


def test_fingerprints_cover_a_managed_package_left_alone() -> None:
    kept = remote_of(spec("Not declared"))
    p = plan([spec("New")], [kept], settings(prune="off"))
    assert [a.kind for a in p.actions] == [ActionKind.CREATE]
    assert kept.id in p.remote_fingerprints


def test_selection_warning_comes_first_and_keeps_the_others() -> None:
    pinned = pkg_id("pinned")
    declared = spec("Alpha", status="ACTIVE", id=pinned, entities=NEW_CONTENT)
    p = plan([declared], [remote_of(declared, digest="0" * 64)],
             settings(targets=("Alpha",), excludes=("Nothing*",)))
    assert len(p.warnings) == 3
    assert p.warnings[0].startswith("partial plan: ")
    assert p.warnings[1] == "--exclude 'Nothing*' matches no package"
    assert p.warnings[2].startswith("package 'Alpha' pins id")


# --- --replace names -------------------------------------------------------------------------


def test_a_second_bad_replace_name_is_refused_too() -> None:
    with pytest.raises(WfpromoteError) as info:
        plan([spec("Alpha")], [], settings(replaces=frozenset({"Alpha", "Beta"})))
    assert info.value.message == "--replace 'Beta': no declared package has this name"
    assert info.value.hint == "allowed names: Alpha"


def test_a_replace_name_left_out_by_the_selection() -> None:
    with pytest.raises(WfpromoteError) as info:
        plan([spec("Alpha"), spec("Beta")], [],
             settings(replaces=frozenset({"Beta"}), excludes=("Beta",)))
    assert info.value.message == "--replace 'Beta': the package is left out by --target/--exclude"
    assert info.value.hint == "widen the selection, or drop --replace"


def test_a_replace_name_with_nothing_to_suggest() -> None:
    names = [f"Package {n:02d}" for n in range(13)]
    with pytest.raises(WfpromoteError) as info:
        plan([spec(n) for n in names], [], settings(replaces=frozenset({"zzz"})))
    assert info.value.hint == "give the exact `name:` of a package file (see wfpromote validate)"


# --- renames ---------------------------------------------------------------------------------


def _renamed(old: str, new: str, content: tuple[str, ...]):  # type: ignore[no-untyped-def]
    gone = remote_of(spec(old, entities=content), id=pkg_id(old))
    return spec(new, entities=content), gone


def test_rename_hints_come_in_name_order_and_skip_unclear_pairs() -> None:
    # Two creates with one content are no believable rename; the next pair still is.
    a_new, a_old = _renamed("Old A", "Alpha", ("Campaign Launch",))
    twin = spec("Alpha twin", entities=("Campaign Launch",))
    b_new, b_old = _renamed("Old B", "Beta", ("New Agency Onboarding",))
    c_new, c_old = _renamed("Old C", "Gamma", ("Risk Register",))
    assert c_new.digest() < b_new.digest()  # so name order is not digest order
    p = plan([c_new, b_new, a_new, twin], [a_old, b_old, c_old], settings())
    assert [w.split("'")[1] for w in p.warnings] == ["Beta", "Gamma"]
    assert p.warnings[0] == (
        f"'Beta' declares the same content as 'Old B' ({b_old.id}), which is no longer "
        f"declared; if this is a rename, add `id: {b_old.id}` to rename that package in place "
        "instead")


def test_rename_hint_names_the_file() -> None:
    new, old = _renamed("Old", "New", ("Campaign Launch",))
    p = plan([_at(new, "packages/new.yaml")], [old], settings())
    assert p.warnings == (
        f"'New' declares the same content as 'Old' ({old.id}), which is no longer declared; "
        f"if this is a rename, add `id: {old.id}` in packages/new.yaml to rename that package "
        "in place instead",)


# --- needs_detail ----------------------------------------------------------------------------


def _slim(s, **kw):  # type: ignore[no-untyped-def]
    return remote_of(s, **kw).model_copy(update={"status": None})


def test_needs_detail_honours_target_and_exclude() -> None:
    alpha, beta, gamma = spec("Alpha"), spec("Beta"), spec("Gamma")
    listing = [_slim(alpha), _slim(beta), _slim(gamma), _slim(spec("Pruned"))]
    ids = {r.name: r.id for r in listing}
    declared = [alpha, beta, gamma]
    assert prepare(declared, listing, settings(targets=("Alpha", "Beta"))).details == {
        ids["Alpha"], ids["Beta"]}
    assert prepare(declared, listing, settings(excludes=("Beta",))).details == {
        ids["Alpha"], ids["Gamma"], ids["Pruned"]}
    assert prepare(declared, listing, settings(prune="disable", targets=(
        "Alpha", "Pruned"))).details == {ids["Alpha"], ids["Pruned"]}


def test_needs_detail_goes_on_past_a_package_to_create() -> None:
    fresh, listed = spec("Fresh"), spec("Listed")
    slim = _slim(listed)
    assert prepare([fresh, listed], [slim], settings(prune="off")).details == {slim.id}


def test_needs_detail_under_prune_disable_fetches_only_unknown_statuses() -> None:
    known = remote_of(spec("Known, not declared"))
    unknown = _slim(spec("Unknown, not declared"))
    gone = _slim(spec("Deleted"), deletedAt="2026-01-02T00:00:00.000Z")
    assert prepare([spec("X")], [known, unknown, gone],
                   settings(prune="disable")).details == {unknown.id}


def test_needs_detail_fetches_exactly_the_slim_same_name_versions() -> None:
    declared = spec("Risk Register", status="ACTIVE", entities=NEW_CONTENT)
    old = _slim(spec("Risk Register", status="ACTIVE"), id=pkg_id("old"))
    new = remote_of(declared, id=pkg_id("new"))
    other = remote_of(spec("Other"), owner="other-team")
    deleted_slim = _slim(spec("Risk Register"), id=pkg_id("deleted"),
                         deletedAt="2026-01-02T00:00:00.000Z")
    undeclared = _slim(spec("Undeclared"))  # judged for prune in the second round
    listing = [old, new, other, deleted_slim, undeclared]
    assert prepare([declared], listing, settings()).details == {old.id, undeclared.id}


def test_a_partial_scope_says_why_by_default() -> None:
    p = plan([spec("Declared")], [remote_of(spec("Elsewhere"))],
             settings(complete_scope=False))
    assert (p.scope.complete, p.scope.out_of_scope, p.scope.reason) == (
        False, 1, "PATHS do not cover the packages folder")
