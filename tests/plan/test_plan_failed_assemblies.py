"""Failed assemblies of ours: never a match, deleted (within the run's scope and selection),
reported with the service's reason, and not counted as a risk by the safety checks."""

from __future__ import annotations

from plan_factories import pkg_id, remote_of, settings, spec

from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare


def _failed(name: str, key: str = "f", **extra: object):  # type: ignore[no-untyped-def]
    return remote_of(spec(name), id=pkg_id(key), status="ASSEMBLING_FAILED", **extra)


def test_the_warning_quotes_the_reason_the_service_gave() -> None:
    failed = _failed("Gone Wrong", failureReason="TMPL abc does not exist in sandbox")
    p = plan([spec("Other Package")], [failed], settings())
    assert [(a.kind, a.reason, a.package_id) for a in p.changes] == [
        (ActionKind.DELETE, Reason.ASSEMBLY_FAILED, failed.id),   # cleanups come first
        (ActionKind.CREATE, Reason.MISSING, None)]
    assert p.warnings == (f"package 'Gone Wrong' ({failed.id}) failed to assemble: TMPL abc "
                          "does not exist in sandbox; it was never usable and is deleted",)
    silent = plan([spec("Other Package")], [_failed("Gone Wrong")], settings())
    assert silent.warnings == (f"package 'Gone Wrong' ({failed.id}) failed to assemble; it "
                               "was never usable and is deleted",)


def test_whatever_prune_says() -> None:
    for prune in ("disable", "delete", "off"):
        p = plan([spec("Other Package")], [_failed("Gone Wrong")], settings(prune=prune))
        assert [a.kind for a in p.changes if a.package_id] == [ActionKind.DELETE], prune


def test_only_ours() -> None:
    theirs = remote_of(spec("Gone Wrong"), owner="someone-else", status="ASSEMBLING_FAILED")
    nobody = remote_of(spec("Made In UI"), owner=None, status="ASSEMBLING_FAILED")
    p = plan([spec("Other Package")], [theirs, nobody], settings())
    assert [a.kind for a in p.changes] == [ActionKind.CREATE]


def test_within_the_selection_and_the_scope_of_paths() -> None:
    failed = _failed("Gone Wrong")
    excluded = plan([spec("Other Package")], [failed], settings(excludes=("Gone*",)))
    assert all(a.package_id != failed.id for a in excluded.changes)
    # PATHS that do not cover the folder: a failed package of an undeclared name is left
    # alone (declared elsewhere, maybe); one of a name these PATHS declare is cleaned up.
    partial = settings(complete_scope=False)
    assert all(a.package_id != failed.id
               for a in plan([spec("Other Package")], [failed], partial).changes)
    ours = plan([spec("Gone Wrong")], [failed], partial)
    assert [(a.kind, a.package_id) for a in ours.changes] == [
        (ActionKind.DELETE, failed.id), (ActionKind.CREATE, None)]


def test_not_a_risk_for_the_safety_checks() -> None:
    kept = [spec(f"Package {i}") for i in range(3)]
    failures = [_failed("Gone Wrong", f"f{i}") for i in range(5)]
    p = plan(kept, [*(remote_of(s) for s in kept), *failures], settings())
    assert len([a for a in p.changes if a.kind is ActionKind.DELETE]) == 5
    assert p.verdict is None


def test_slim_items_of_ours_are_looked_at_only_when_the_run_covers_them() -> None:
    slim = _failed("Gone Wrong").model_copy(update={"status": None})
    assert prepare([spec("Other Package")], [slim], settings()).details == {slim.id}
    assert prepare([spec("Other Package")], [slim],
                        settings(complete_scope=False)).details == set()
