"""The pure planner: every action kind and reason, identity, ownership and ordering."""

from __future__ import annotations

import pytest
from plan_factories import ENVS, LEGACY, OWNER, pkg_id, remote_of, seed_id, settings, spec

from reconciler.domain.remote import RemotePackage
from reconciler.errors import UnsafePlan, WfpromoteError
from reconciler.plan.model import ActionKind, Reason, ReplaceStrategy
from reconciler.plan.ownership import parse_marker, strip_marker
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare


def kinds(p):  # type: ignore[no-untyped-def]
    return [(a.kind, a.name, a.reason) for a in p.actions]


def test_create_when_missing_carries_full_post_body() -> None:
    s = spec("Agency Onboarding", description="Templates.", status="TESTING")
    p = plan([s], [], settings())
    (action,) = p.actions
    assert (action.kind, action.reason) == (ActionKind.CREATE, Reason.MISSING)
    after = action.data()["after"]
    assert after["name"] == "Agency Onboarding"
    assert after["source"] == ENVS["sandbox"]
    assert after["objectCollections"] == [{"objCode": "TMPL", "entities": [
        {"ID": seed_id("New Agency Onboarding"), "name": "New Agency Onboarding"}]}]
    marker = parse_marker(after["description"])
    assert marker is not None and marker.owner == OWNER and marker.digest == s.digest()
    assert strip_marker(after["description"]) == "Templates."
    assert after["desired_status"] == "TESTING" and action.data().get("desired_status") == "TESTING"
    assert action.package_id is None


def test_create_of_draft_has_no_desired_status() -> None:
    p = plan([spec("Draft package")], [], settings())
    assert "desired_status" not in (p.actions[0].data()["after"] or {})
    assert p.actions[0].data().get("desired_status") is None


def test_definition_package_notes_put_under_put_profile_only() -> None:
    definition = {"GROUP": [{"id": seed_id("Default Group", "GROUP"), "name": "Default Group"}]}
    s = spec("By value", definition=definition)
    legacy = plan([s], [], settings(capabilities=LEGACY)).actions[0].data()["after"]
    current = plan([s], [], settings()).actions[0].data()["after"]
    assert legacy["packageEntities"] == definition
    assert "packageEntities" not in current
    assert current["objectCollections"] == [{"objCode": "GROUP", "entities": [
        {"ID": seed_id("Default Group", "GROUP"), "name": "Default Group"}]}]


def test_noop_when_remote_matches() -> None:
    s = spec("Same", description="text", status="ACTIVE")
    p = plan([s], [remote_of(s)], settings())
    assert kinds(p) == [(ActionKind.NOOP, "Same", Reason.UP_TO_DATE)]
    assert not p.has_changes


def test_update_patches_only_changed_fields_and_keeps_marker() -> None:
    s = spec("Pkg", description="new text", status="ACTIVE")
    remote = remote_of(s, description="old text", status="ACTIVE")
    (action,) = plan([s], [remote], settings()).actions
    assert (action.kind, action.reason) == (ActionKind.UPDATE, Reason.FIELDS_CHANGED)
    assert [(d.path, d.old, d.new) for d in action.diffs] == [
        ("description", "old text", "new text")]
    assert set(action.data()["after"] or {}) == {"description"}
    assert parse_marker((action.data()["after"] or {})["description"]) is not None


def test_update_status_only() -> None:
    s = spec("Pkg", status="ACTIVE")
    (action,) = plan([s], [remote_of(s, status="TESTING")], settings()).actions
    assert action.data()["after"] == {"status": "ACTIVE"}
    assert [(d.path, d.old, d.new) for d in action.diffs] == [("status", "TESTING", "ACTIVE")]


def test_pinned_package_renames() -> None:
    pinned = pkg_id("whatever")
    s = spec("New name", id=pinned)
    remote = remote_of(spec("Old name"), id=pinned)
    (action,) = plan([s], [remote], settings()).actions
    assert action.kind is ActionKind.UPDATE
    assert action.data()["after"] == {"name": "New name"}


# Under 2023 too, content by reference is replaced by a new package: an assembly in place
# that fails would leave no usable version (issue 19, item 2). A definition by value is PUT.
@pytest.mark.parametrize(("caps", "strategy"), [
    (settings().capabilities, ReplaceStrategy.CREATE_THEN_DISABLE),
    (LEGACY, ReplaceStrategy.CREATE_THEN_DISABLE)])
def test_replace_when_content_changed(caps, strategy) -> None:  # type: ignore[no-untyped-def]
    old = spec("Pkg", entities=("New Agency Onboarding",))
    new = spec("Pkg", entities=("New Agency Onboarding", "Campaign Launch"), status="TESTING")
    (action,) = plan([new], [remote_of(old, status="TESTING")],
                     settings(capabilities=caps)).actions
    assert (action.kind, action.reason, action.data().get("strategy")) == (
        ActionKind.REPLACE, Reason.CONTENT_CHANGED, strategy)
    assert action.package_id == pkg_id("Pkg")
    assert action.diffs[0].path == "content"
    after = action.data()["after"]
    assert parse_marker(after["description"]).digest == new.digest()  # type: ignore[union-attr]
    if strategy is ReplaceStrategy.PUT:
        assert after["status"] == "TESTING" and "desired_status" not in after
    else:
        assert after["desired_status"] == action.data()["desired_status"] == "TESTING"


def test_replace_requested_and_assembly_failed() -> None:
    a, b = spec("A"), spec("B")
    p = plan([a, b], [remote_of(a), remote_of(b, status="ASSEMBLING_FAILED")],
             settings(replaces=frozenset({"A"})))
    # A failed package of ours is never the match: it is deleted (first) and made anew.
    assert kinds(p) == [(ActionKind.DELETE, "B", Reason.ASSEMBLY_FAILED),
                        (ActionKind.CREATE, "B", Reason.MISSING),
                        (ActionKind.REPLACE, "A", Reason.REPLACE_REQUESTED)]
    assert any("failed to assemble" in w for w in p.warnings)


def test_a_pinned_failed_package_is_still_replaced() -> None:
    b = spec("B")
    failed = remote_of(b, status="ASSEMBLING_FAILED")
    pinned = spec("B", id=failed.id)
    p = plan([pinned], [failed], settings())
    assert kinds(p) == [(ActionKind.REPLACE, "B", Reason.ASSEMBLY_FAILED)]


def test_prune_disable_delete_off_and_skip_disabled() -> None:
    keep, gone, done = spec("Keep"), spec("Gone"), spec("Already off")
    remote = [remote_of(keep), remote_of(gone), remote_of(done, status="DISABLED")]
    assert kinds(plan([keep], remote, settings(prune="disable"))) == [
        (ActionKind.DISABLE, "Gone", Reason.NOT_DECLARED),
        (ActionKind.NOOP, "Keep", Reason.UP_TO_DATE)]
    assert kinds(plan([keep], remote, settings(prune="delete"))) == [
        (ActionKind.DELETE, "Already off", Reason.NOT_DECLARED),
        (ActionKind.DELETE, "Gone", Reason.NOT_DECLARED),
        (ActionKind.NOOP, "Keep", Reason.UP_TO_DATE)]
    assert kinds(plan([keep], remote, settings(prune="off"))) == [
        (ActionKind.NOOP, "Keep", Reason.UP_TO_DATE)]
    disable = plan([keep], remote, settings()).actions[0]
    assert disable.data()["after"] == {"status": "DISABLED"}
    assert disable.package_id == pkg_id("Gone")


def test_unowned_and_foreign_packages_are_never_pruned() -> None:
    keep = spec("Keep")
    remote = [remote_of(keep), remote_of(spec("Hand made"), owner=None),
              remote_of(spec("Theirs"), owner="someone-else")]
    assert kinds(plan([keep], remote, settings(prune="delete"))) == [
        (ActionKind.NOOP, "Keep", Reason.UP_TO_DATE)]


def test_deleted_remote_packages_are_ignored() -> None:
    s, gone = spec("Pkg"), spec("Soft deleted")
    remote = [remote_of(s, id=pkg_id("old"), deletedAt="2026-01-02T00:00:00.000Z"),
              remote_of(gone, deletedAt="2026-01-02T00:00:00.000Z")]
    assert kinds(plan([s], remote, settings())) == [(ActionKind.CREATE, "Pkg", Reason.MISSING)]


def test_two_live_packages_with_one_name_is_an_error() -> None:
    # (Two with the same content of ours are duplicates, retired: tests/plan/
    # test_plan_duplicates.py; with two other contents nothing says which one is it.)
    s = spec("Twin")
    remote = [remote_of(s, id=pkg_id("one"), digest="a" * 64),
              remote_of(s, id=pkg_id("two"), digest="b" * 64)]
    with pytest.raises(WfpromoteError) as caught:
        plan([s], remote, settings())
    assert pkg_id("one") in caught.value.message and pkg_id("two") in caught.value.message
    assert "id:" in (caught.value.hint or "")


def test_pin_resolves_a_name_clash() -> None:
    s = spec("Twin", id=pkg_id("one"))
    remote = [remote_of(s, id=pkg_id("one")), remote_of(spec("Twin"), id=pkg_id("two"))]
    p = plan([s], remote, settings())
    assert kinds(p) == [(ActionKind.DISABLE, "Twin", Reason.NOT_DECLARED),
                        (ActionKind.NOOP, "Twin", Reason.UP_TO_DATE)]


def test_pin_to_a_missing_id_is_an_error() -> None:
    with pytest.raises(WfpromoteError, match="does not exist"):
        plan([spec("Pinned", id=pkg_id("nowhere"))], [], settings())


def test_superseded_disabled_version_is_left_alone() -> None:
    """After a create-then-disable replace the old version stays, disabled: no action."""
    old = spec("Pkg", entities=("New Agency Onboarding",))
    new = spec("Pkg", entities=("Campaign Launch",))
    remote = [remote_of(old, id=pkg_id("old"), status="DISABLED"),
              remote_of(new, id=pkg_id("new"))]
    for prune in ("disable", "delete"):
        assert kinds(plan([new], remote, settings(prune=prune))) == [
            (ActionKind.NOOP, "Pkg", Reason.UP_TO_DATE)]


def test_conflict_without_adopt_lists_packages() -> None:
    a, b = spec("Hand made"), spec("Theirs")
    remote = [remote_of(a, owner=None), remote_of(b, owner="other-team")]
    with pytest.raises(UnsafePlan) as caught:
        plan([a, b], remote, settings())
    text = caught.value.message
    assert "Hand made" in text and "no marker" in text and "'other-team'" in text
    assert "--adopt" in (caught.value.hint or "")


def test_adopt_same_content_updates_in_place_with_marker() -> None:
    s = spec("Hand made", description="text")
    served = {"TMPL": [{"id": seed_id("New Agency Onboarding"), "name": "x"},
                       {"id": seed_id("Extra sub-object"), "name": "y"}],
              "TTSK": [{"id": seed_id("Kickoff Call", "TTSK")}]}
    remote = remote_of(s, owner=None, packageEntities=served, source=ENVS["sandbox"] + "/")
    (action,) = plan([s], [remote], settings(adopt=True)).actions
    assert (action.kind, action.reason) == (ActionKind.UPDATE, Reason.ADOPTED)
    assert [(d.path, d.old, d.new) for d in action.diffs] == [("ownership", None, OWNER)]
    assert parse_marker((action.data()["after"] or {})["description"]).owner == OWNER  # type: ignore


def test_adopt_different_content_replaces() -> None:
    s = spec("Hand made")
    served = {"TMPL": [{"id": seed_id("Campaign Launch")}]}
    remote = remote_of(s, owner=None, packageEntities=served)
    (action,) = plan([s], [remote], settings(adopt=True)).actions
    assert (action.kind, action.reason) == (ActionKind.REPLACE, Reason.CONTENT_CHANGED)
    # The object the remote holds leaves, the declared one enters.
    assert [d.data() for d in action.diffs] == [
        {"path": f"objects.TMPL[{seed_id('Campaign Launch')}]", "op": "remove", "old": None,
         "new": None},
        {"path": f"objects.TMPL[{seed_id('New Agency Onboarding')}]", "op": "add", "old": None,
         "new": "New Agency Onboarding"}]


def test_adopt_foreign_marker_uses_its_digest() -> None:
    s = spec("Theirs")
    same = plan([s], [remote_of(s, owner="other")], settings(adopt=True)).actions[0]
    assert same.kind is ActionKind.UPDATE and same.reason is Reason.ADOPTED
    other = plan([s], [remote_of(s, owner="other", digest="0" * 64)],
                 settings(adopt=True)).actions[0]
    assert other.kind is ActionKind.REPLACE


def test_needs_detail_only_where_the_listing_cannot_tell() -> None:
    owned, bare, nostatus = spec("Owned"), spec("Bare"), spec("No status")
    remote = [remote_of(owned), remote_of(bare, owner=None),
              RemotePackage(id=pkg_id("ns"), name="No status",
                            description=remote_of(nostatus).description)]
    assert prepare([owned, bare, nostatus], remote, settings()).details == {pkg_id("ns")}
    assert prepare([owned, bare, nostatus], remote, settings(adopt=True)).details == {
        pkg_id("Bare"), pkg_id("ns")}
    # an owned, undeclared package without status: is it already disabled?
    assert prepare([owned], remote, settings()).details == {pkg_id("ns")}
    # ... or a failed assembly, cleaned up whatever prune says
    assert prepare([owned], remote, settings(prune="delete")).details == {pkg_id("ns")}


def test_order_is_deterministic() -> None:
    specs = [spec(n) for n in ("b", "a", "c")]
    remote = [remote_of(spec("z")), remote_of(spec("y")),
              remote_of(spec("c"), description="changed")]
    first = plan(specs, remote, settings())
    second = plan(list(reversed(specs)), list(reversed(remote)), settings())
    assert first == second
    assert kinds(first) == [(ActionKind.CREATE, "a", Reason.MISSING),
                            (ActionKind.CREATE, "b", Reason.MISSING),
                            (ActionKind.UPDATE, "c", Reason.FIELDS_CHANGED),
                            (ActionKind.DISABLE, "y", Reason.NOT_DECLARED),
                            (ActionKind.DISABLE, "z", Reason.NOT_DECLARED)]


def test_fingerprints_cover_touched_managed_and_the_names_matched_by() -> None:
    a, b = spec("Declared"), spec("New")
    remote = [remote_of(a), remote_of(spec("Gone")), remote_of(spec("Foreign"), owner="x")]
    p = plan([a, b], remote, settings(desired_digest="d" * 64))
    assert set(p.remote_fingerprints) == {pkg_id("Declared"), pkg_id("Gone"), "name:New",
                                          "name:Declared", "name:Gone"}
    assert p.desired_digest == "d" * 64


def test_a_definition_by_value_is_replaced_with_put_under_2023() -> None:
    old = spec("Pkg", definition={"PARAM": [{"id": "b" * 32, "name": "Budget"}]})
    new = spec("Pkg", definition={"PARAM": [{"id": "b" * 32, "name": "Budget (USD)"}]},
               status="TESTING")
    (action,) = plan([new], [remote_of(old, status="TESTING")],
                     settings(capabilities=LEGACY)).actions
    assert action.data().get("strategy") == ReplaceStrategy.PUT
