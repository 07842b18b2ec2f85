"""A --target/--exclude glob that matches nothing is called out, not silently "No changes."."""

from __future__ import annotations

from plan_factories import remote_of, settings, spec

from reconciler.plan.planner import plan


def test_target_typo_warns_instead_of_reading_as_no_changes() -> None:
    p = plan([spec("Agency A")], [remote_of(spec("Agency A"))],
             settings(targets=("Agency*X",)))
    assert not p.changes
    assert "--target 'Agency*X' matches no package" in p.warnings


def test_each_unmatched_glob_warns_once_and_matched_ones_do_not() -> None:
    specs = [spec("Agency A"), spec("Campaign")]
    remote = [remote_of(spec("Legacy"))]  # managed only: still a name the glob may match
    p = plan(specs, remote, settings(targets=("Agency*", "Nope*", "Nope*", "Leg*"),
                                     excludes=("*Z",)))
    assert [w for w in p.warnings if "matches no package" in w] == [
        "--target 'Nope*' matches no package", "--exclude '*Z' matches no package"]
    assert "partial plan" in p.warnings[0]


def test_no_selection_adds_no_unmatched_warning() -> None:
    assert plan([spec("A")], [], settings()).warnings == ()
