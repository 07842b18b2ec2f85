"""A create-then-disable replace stopped between its create and its disable converges.

The stop leaves two live packages of ours under one name: the old version (old digest) and
the new one (declared digest). The next plan must pick the new one and retire the old one,
as the apply hint promises ("run apply again"), rather than refuse the name as ambiguous.
"""

from __future__ import annotations

import pytest
from plan_factories import OWNER, pkg_id, remote_of, settings, spec

from reconciler.errors import WfpromoteError
from reconciler.plan.identity import match_packages
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan


def _half_replaced(status_new: str = "DRAFT"):  # type: ignore[no-untyped-def]
    old_spec = spec("Risk Register", status="ACTIVE", entities=("New Agency Onboarding",))
    new_spec = spec("Risk Register", status="ACTIVE",
                    entities=("New Agency Onboarding", "Campaign Launch"))
    old = remote_of(old_spec, id=pkg_id("old"))
    new = remote_of(new_spec, id=pkg_id("new"), status=status_new)
    return new_spec, old, new


@pytest.mark.parametrize("prune", ["disable", "delete", "off"])
def test_interrupted_replace_keeps_new_version_and_disables_old(prune: str) -> None:
    declared, old, new = _half_replaced()
    p = plan([declared], [old, new], settings(prune=prune))
    by_id = {a.package_id: a for a in p.actions}
    assert by_id[new.id].kind is ActionKind.UPDATE        # DRAFT -> ACTIVE, no second create
    # The replace's own last step, whatever prune says (a replace never deletes the old one).
    assert (by_id[old.id].kind, by_id[old.id].reason) == (ActionKind.DISABLE,
                                                          Reason.SUPERSEDED)
    assert not any(a.kind is ActionKind.CREATE for a in p.actions)
    assert any("did not finish" in w and old.id in w for w in p.warnings)
    assert [a.package_id for a in p.changes] == [new.id, old.id]  # disable after the update


def test_replace_whose_new_version_failed_to_assemble_is_retried() -> None:
    # The old version stays live when the new one fails; the failed one never wins, and is
    # deleted (a failed package takes no status change every implementation agrees on).
    declared, old, failed = _half_replaced(status_new="ASSEMBLING_FAILED")
    p = plan([declared], [old, failed], settings())
    by_id = {a.package_id: a for a in p.actions}
    assert (by_id[old.id].kind, by_id[old.id].reason) == (ActionKind.REPLACE,
                                                          Reason.CONTENT_CHANGED)
    assert (by_id[failed.id].kind, by_id[failed.id].reason) == (ActionKind.DELETE,
                                                                Reason.ASSEMBLY_FAILED)
    assert [a.package_id for a in p.changes] == [failed.id, old.id]  # the cleanup first


def test_failed_attempt_beside_the_live_version_after_a_further_edit() -> None:
    # v1 live, v2 failed to assemble, and the file changed again: v1 is the package.
    _, old, failed = _half_replaced(status_new="ASSEMBLING_FAILED")
    edited = spec("Risk Register", status="ACTIVE", entities=("Campaign Launch",))
    p = plan([edited], [old, failed], settings())
    by_id = {a.package_id: a for a in p.actions}
    assert (by_id[old.id].kind, by_id[old.id].reason) == (ActionKind.REPLACE,
                                                          Reason.CONTENT_CHANGED)
    assert (by_id[failed.id].kind, by_id[failed.id].reason) == (ActionKind.DELETE,
                                                                Reason.ASSEMBLY_FAILED)


@pytest.mark.parametrize("prune", ["disable", "delete", "off"])
def test_many_failed_attempts_never_make_the_name_ambiguous(prune: str) -> None:
    # Each failed run used to add one more ASSEMBLING_FAILED package, and then every plan
    # stopped at "matches several remote packages by name".
    declared, old, _ = _half_replaced()
    failures = [remote_of(declared, id=pkg_id(f"f{i}"), status="ASSEMBLING_FAILED")
                for i in range(3)]
    p = plan([declared], [old, *failures], settings(prune=prune))
    assert sorted(a.package_id for a in p.changes if a.kind is ActionKind.DELETE) == \
        sorted(f.id for f in failures)
    assert [a.kind for a in p.changes if a.package_id == old.id] == [ActionKind.REPLACE]


def test_superseded_disable_waits_for_its_successor() -> None:
    declared, old, new = _half_replaced(status_new="ASSEMBLING")
    p = plan([declared], [old, new], settings())
    disable = next(a for a in p.changes if a.kind is ActionKind.DISABLE)
    assert disable.package_id == old.id and disable.data().get("successor_id") == new.id


def test_two_live_versions_without_the_declared_content_stay_ambiguous() -> None:
    declared, old, _ = _half_replaced()
    other = remote_of(spec("Risk Register", entities=("Campaign Launch",)), id=pkg_id("x"))
    with pytest.raises(WfpromoteError, match="matches several remote packages"):
        plan([declared], [old, other], settings())


def test_a_foreign_same_named_package_is_never_retired() -> None:
    declared, _, new = _half_replaced()
    foreign = remote_of(spec("Risk Register"), id=pkg_id("foreign"), owner=None)
    with pytest.raises(WfpromoteError, match="matches several remote packages"):
        plan([declared], [foreign, new], settings())


def test_slim_list_items_are_fetched_before_judging() -> None:
    # Without a status, the old version may be a DISABLED one: the planner must ask for the
    # details (needs_detail) instead of guessing and disabling it again.
    from reconciler.plan.prepare import prepare
    declared, old, new = _half_replaced(status_new="ACTIVE")
    slim_old = old.model_copy(update={"status": None})
    assert prepare([declared], [slim_old, new], settings()).details >= {slim_old.id}


def test_a_failed_new_version_never_wins_the_match() -> None:
    """``match_packages`` over a listing that still holds a failed assembly (``status`` reads
    the whole listing): the one healthy version is the package, whatever content the failed
    one records."""
    declared, old, new = _half_replaced()
    failed = new.model_copy(update={"status": "ASSEMBLING_FAILED"})
    for listing in ([old, failed], [failed, old]):
        (match,) = match_packages([declared], listing, OWNER)
        assert (match.remote, match.leftovers) == (old, (failed,))
