"""Plan-level safety: empty desired set, change threshold, --force, targeting."""

from __future__ import annotations

import pytest
from plan_factories import remote_of, settings, spec

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.errors import UnsafePlan
from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan


def managed(n: int) -> list[RemotePackage]:
    return [remote_of(spec(f"pkg-{i:02d}")) for i in range(n)]


def declared(n: int, drop: int) -> list[PackageSpec]:
    return [spec(f"pkg-{i:02d}") for i in range(drop, n)]


def test_empty_desired_set_is_refused_unless_allowed() -> None:
    with pytest.raises(UnsafePlan) as caught:
        plan([], managed(3), settings())
    assert "3 package(s)" in caught.value.message
    assert "--allow-empty" in (caught.value.hint or "")
    p = plan([], managed(3), settings(allow_empty=True))
    assert [a.kind for a in p.actions] == [ActionKind.DISABLE] * 3


def test_threshold_ignored_below_min_managed() -> None:
    # 9 managed, all 9 pruned: fine, too few to judge
    p = plan([spec("other")], managed(9), settings())
    assert sum(a.kind is ActionKind.DISABLE for a in p.actions) == 9


def test_threshold_applies_from_min_managed() -> None:
    with pytest.raises(UnsafePlan) as caught:
        plan(declared(10, 4), managed(10), settings())  # 4 of 10 = 40%
    message = caught.value.message
    assert "4 of 10" in message and "40.0%" in message and "30%" in message
    assert "--force" in (caught.value.hint or "")


def test_threshold_boundary_is_inclusive() -> None:
    p = plan(declared(10, 3), managed(10), settings())  # exactly 30%: allowed
    assert sum(a.kind is ActionKind.DISABLE for a in p.actions) == 3


def test_replaces_count_towards_threshold_and_force_overrides() -> None:
    specs = declared(10, 0)
    replaces = frozenset(s.name for s in specs[:4])
    with pytest.raises(UnsafePlan):
        plan(specs, managed(10), settings(replaces=replaces))
    p = plan(specs, managed(10), settings(replaces=replaces, force=True))
    assert sum(a.kind is ActionKind.REPLACE for a in p.actions) == 4


def test_custom_threshold_settings() -> None:
    p = plan(declared(4, 2), managed(4), settings(min_managed=4, max_change_percent=50))
    assert len(p.changes) == 2
    with pytest.raises(UnsafePlan):
        plan(declared(4, 3), managed(4), settings(min_managed=4, max_change_percent=50))


def test_targets_and_excludes_narrow_both_sides_and_warn() -> None:
    specs = [spec("Agency A"), spec("Agency B"), spec("Campaign")]
    remote = [remote_of(spec("Agency Old")), remote_of(spec("Campaign Old"))]
    p = plan(specs, remote, settings(targets=("Agency*",), excludes=("* B",)))
    assert [(a.kind, a.name) for a in p.actions] == [
        (ActionKind.CREATE, "Agency A"), (ActionKind.DISABLE, "Agency Old")]
    assert p.warnings and "partial plan" in p.warnings[0]
    assert "'Agency*'" in p.warnings[0] and "'* B'" in p.warnings[0]


def test_no_selection_no_warning() -> None:
    assert plan([spec("A")], [], settings()).warnings == ()


def test_excluded_name_conflicts_are_not_reported() -> None:
    s = spec("Hand made")
    p = plan([s, spec("Other")], [remote_of(s, owner=None)], settings(excludes=("Hand*",)))
    assert [a.name for a in p.actions] == ["Other"]
