"""Plan-level safety: empty desired set, change threshold, --force, targeting."""

from __future__ import annotations

from plan_factories import remote_of, settings, spec

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan


def managed(n: int) -> list[RemotePackage]:
    return [remote_of(spec(f"pkg-{i:02d}")) for i in range(n)]


def declared(n: int, drop: int) -> list[PackageSpec]:
    return [spec(f"pkg-{i:02d}") for i in range(drop, n)]


def test_empty_desired_set_is_shown_then_refused_unless_allowed() -> None:
    p = plan([], managed(3), settings())
    assert p.refused and p.verdict is not None
    assert p.verdict.rule == "empty" and p.verdict.flag == "--allow-empty"
    assert "3 package(s)" in p.verdict.message
    # the plan is still whole: the user sees what would have happened
    assert [a.kind for a in p.actions] == [ActionKind.DISABLE] * 3
    allowed = plan([], managed(3), settings(allow_empty=True))
    assert not allowed.refused and allowed.verdict is not None and allowed.verdict.allowed
    assert [a.kind for a in allowed.actions] == [ActionKind.DISABLE] * 3


def test_small_set_majority_rule_below_min_managed() -> None:
    # 9 managed, all 9 pruned: more than half, refused although below min_managed
    p = plan([spec("other")], managed(9), settings())
    assert sum(a.kind is ActionKind.DISABLE for a in p.actions) == 9
    assert p.refused and p.verdict is not None and p.verdict.rule == "majority"
    assert "9 of the 9" in p.verdict.message and p.verdict.flag == "--force"
    assert not plan([spec("other")], managed(9), settings(force=True)).refused


def test_small_set_majority_boundary_and_setting() -> None:
    assert not plan(declared(4, 2), managed(4), settings()).refused        # 2 of 4 = 50%
    assert plan(declared(4, 3), managed(4), settings()).refused            # 3 of 4 = 75%
    assert not plan(declared(4, 3), managed(4), settings(small_set_percent=100)).refused
    one = plan(declared(3, 1), managed(3), settings(small_set_percent=30))  # 1 of 3
    assert one.refused and one.verdict is not None and "33.3%" in one.verdict.message


def test_threshold_applies_from_min_managed() -> None:
    p = plan(declared(10, 4), managed(10), settings())  # 4 of 10 = 40%
    assert p.refused and p.verdict is not None
    message = p.verdict.message
    assert "4 of 10" in message and "40.0%" in message and "30%" in message
    assert p.verdict.flag == "--force" and p.verdict.rule == "threshold"
    assert (p.verdict.affected, p.verdict.managed, p.verdict.limit_percent) == (4, 10, 30.0)


def test_threshold_boundary_is_inclusive() -> None:
    p = plan(declared(10, 3), managed(10), settings())  # exactly 30%: allowed
    assert sum(a.kind is ActionKind.DISABLE for a in p.actions) == 3
    assert p.verdict is None


def test_replaces_count_towards_threshold_and_force_overrides() -> None:
    specs = declared(10, 0)
    replaces = frozenset(s.name for s in specs[:4])
    assert plan(specs, managed(10), settings(replaces=replaces)).refused
    p = plan(specs, managed(10), settings(replaces=replaces, force=True))
    assert sum(a.kind is ActionKind.REPLACE for a in p.actions) == 4
    assert p.verdict is not None and p.verdict.allowed and not p.refused


def test_custom_threshold_settings() -> None:
    p = plan(declared(4, 2), managed(4), settings(min_managed=4, max_change_percent=50))
    assert len(p.changes) == 2 and not p.refused
    assert plan(declared(4, 3), managed(4), settings(min_managed=4,
                                                     max_change_percent=50)).refused


def test_partial_scope_never_prunes_and_counts_what_it_left_out() -> None:
    p = plan(declared(5, 4), managed(5), settings(complete_scope=False, scope_reason="why"))
    assert [a.kind for a in p.changes] == []
    assert not p.scope.complete and p.scope.out_of_scope == 4 and p.scope.reason == "why"
    assert p.verdict is None  # nothing is removed, so no rule trips
    # an empty partial run removes nothing either: no empty-set verdict
    empty = plan([], managed(3), settings(complete_scope=False))
    assert not empty.changes and empty.verdict is None and empty.scope.out_of_scope == 3
    whole = plan(declared(5, 4), managed(5), settings())
    assert whole.scope.complete and whole.scope.out_of_scope == 0
    assert sum(a.kind is ActionKind.DISABLE for a in whole.actions) == 4


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
