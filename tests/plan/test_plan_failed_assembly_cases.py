"""Failed assemblies, case by case: the cleanup action, every field the service may give its
reason in, the match a failed new version leaves, a pin on a failed version, and the deletes
the safety checks still count."""

from __future__ import annotations

import pytest
from plan_factories import pkg_id, remote_of, settings, spec

from reconciler.domain.declared import InstallStep
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare
from reconciler.plan.settings import PlanSettings

OTHER = spec("Other Package")


def failed(name: str = "Gone Wrong", key: str = "f", **extra: object):  # type: ignore[no-untyped-def]
    return remote_of(spec(name), id=pkg_id(key), status="ASSEMBLING_FAILED", **extra)


def test_the_cleanup_shows_the_package_as_it_is() -> None:
    gone = failed(description="Made for agencies")
    (cleanup,) = [a for a in plan([OTHER], [gone], settings()).actions
                  if a.package_id == gone.id]
    assert (cleanup.kind, cleanup.reason, cleanup.data()["after"]) == (
        ActionKind.DELETE, Reason.ASSEMBLY_FAILED, None)
    assert dict(cleanup.data()["before"] or {}) == {"id": gone.id, "name": "Gone Wrong",
                                          "description": "Made for agencies",
                                          "status": "ASSEMBLING_FAILED"}


@pytest.mark.parametrize("key", ["failureReason", "reason", "error", "message",
                                 "statusMessage"])
def test_the_reason_is_read_from_each_field_the_service_may_use(key: str) -> None:
    gone = failed(**{key: "TMPL abc does not exist"})
    assert plan([OTHER], [gone], settings()).warnings == (
        f"package 'Gone Wrong' ({gone.id}) failed to assemble: TMPL abc does not exist; it "
        "was never usable and is deleted",)


def test_a_failed_new_version_leaves_the_old_one_the_match() -> None:
    declared = spec("Agency Templates", entities=("Campaign Launch",))
    old = remote_of(declared, digest="0" * 64, id=pkg_id("old"))     # the version in use
    new = remote_of(declared, id=pkg_id("new"), status="ASSEMBLING_FAILED")
    actions = plan([declared], [old, new], settings()).actions
    assert {(a.kind, a.package_id) for a in actions} == {(ActionKind.DELETE, new.id),
                                                         (ActionKind.REPLACE, old.id)}
    # The history asked for is the old version's, the one the plan matches.
    installing = declared.model_copy(update={"install": (InstallStep(environment="preview"),)})
    assert prepare([installing], [old, new], settings()).histories == {old.id}
    assert prepare([installing], [new, old], settings()).histories == {old.id}


def test_a_failed_assembly_alone_is_never_fetched_to_be_compared() -> None:
    declared = spec("Agency Templates", entities=("Campaign Launch",))
    gone = remote_of(declared, digest="0" * 64, id=pkg_id("f"), status="ASSEMBLING_FAILED")
    assert prepare([declared], [gone], settings()).details == set()


def test_a_pin_on_a_failed_version_follows_its_successor() -> None:
    declared = spec("Agency Templates")
    gone = remote_of(declared, id=pkg_id("f"), status="ASSEMBLING_FAILED")
    successor = remote_of(declared, id=pkg_id("s"))
    pinned = declared.model_copy(update={"id": gone.id})
    result = plan([pinned], [gone, successor], settings())
    assert [(a.kind, a.package_id) for a in result.actions] == [
        (ActionKind.NOOP, successor.id)]
    assert any(f"pins id {gone.id}" in w and f"following it to {successor.id}" in w
               for w in result.warnings)


def test_needs_detail_reads_every_match_after_a_new_package() -> None:
    new = spec("A New Package")
    changed = spec("Agency Templates", entities=("Campaign Launch",))
    listed = remote_of(changed, digest="0" * 64)
    assert prepare([new, changed], [listed], settings()).details == {listed.id}


def test_pruned_deletes_count_for_the_threshold() -> None:
    managed = [spec(f"Package {i:02}") for i in range(10)]
    kept = managed[:6]
    options: PlanSettings = settings(prune="delete")
    result = plan(kept, [remote_of(s) for s in managed], options)
    assert [a.kind for a in result.changes] == [ActionKind.DELETE] * 4
    assert result.refused and result.verdict is not None
    assert result.verdict.rule == "threshold"
