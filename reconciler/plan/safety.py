"""Plan-level safety rules: an empty desired set, and too many removals at once.

After octoDNS: the percentage threshold applies once enough packages are managed, and
``--force`` is the way past it. Below that, a run that would disable or delete more than
half (``safety.small_set_percent``) of the managed packages trips it as well: with three
packages managed, one forgotten path must not disable all three.

An install that overwrites records in an environment of kind ``production`` (``existing:
overwrite`` or an OVERWRITING override) counts in both rules like a disable: it changes
records in production that the package files may never name (issue 18).

The rules never raise: they return a :class:`SafetyVerdict` the plan carries, so the user
sees the whole plan with the verdict on top; ``plan`` then exits 1 and ``apply`` refuses
unless the flag is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.plan.changes import Install
from reconciler.plan.model import Action, ActionKind, Reason, SafetyVerdict
from reconciler.plan.settings import PlanSettings

RISKY = frozenset({ActionKind.DISABLE, ActionKind.DELETE, ActionKind.REPLACE,
                   ActionKind.ROLLBACK})
REMOVALS = frozenset({ActionKind.DISABLE, ActionKind.DELETE})


def check_not_empty(desired_count: int, managed_count: int,
                    settings: PlanSettings) -> SafetyVerdict | None:
    if desired_count or not settings.complete_scope:
        return None  # a partial run prunes nothing, so an empty one removes nothing
    what = (f"the plan removes all {managed_count} package(s) owned by {settings.owner!r}"
            if managed_count else f"no package is owned by {settings.owner!r} yet")
    return SafetyVerdict(
        rule="empty",
        message=f"no packages are declared; {what} (check the `packages:` path in "
                "wfpromote.yaml)",
        flag="--allow-empty", affected=managed_count, managed=managed_count,
        allowed=settings.allow_empty)


def overwrites(change: Install) -> bool:
    """Whether an install asks to overwrite records (OVERWRITING) in its target."""
    return change.existing == "overwrite" or any(
        str(action).upper() == "OVERWRITING"
        for records in change.overrides.values() for action in records.values())


def production_overwrites(actions: Sequence[Action], settings: PlanSettings) -> list[Action]:
    """The runnable installs that overwrite records in a production-kind environment."""
    return [a for a in actions
            if isinstance(a.change, Install) and a.runnable and overwrites(a.change)
            and settings.environment_kinds.get(a.change.environment) == "production"]


def _with_overwrites(message: str, count: int) -> str:
    if not count:
        return message
    return (f"{message}; {count} of them by overwriting records in production "
            "(existing: overwrite or OVERWRITING overrides)")


def check_threshold(actions: Sequence[Action], managed_count: int,
                    settings: PlanSettings) -> SafetyVerdict | None:
    if not managed_count:
        return None
    overwriting = len(production_overwrites(actions, settings))
    # Removing a failed assembly (never usable) is no risk to what runs: not counted.
    actions = [a for a in actions
               if not (a.kind is ActionKind.DELETE and a.reason is Reason.ASSEMBLY_FAILED)]
    if managed_count >= settings.min_managed:
        risky = sum(1 for a in actions if a.kind in RISKY) + overwriting
        percent = 100.0 * risky / managed_count
        if percent <= settings.max_change_percent:
            return None
        return SafetyVerdict(
            rule="threshold",
            message=_with_overwrites(
                f"the plan disables, deletes or replaces {risky} of {managed_count} "
                f"managed packages ({percent:.1f}%), more than the limit of "
                f"{settings.max_change_percent:g}% (safety.max_change_percent)", overwriting),
            flag="--force", affected=risky, managed=managed_count,
            limit_percent=settings.max_change_percent, allowed=settings.force)
    removed = sum(1 for a in actions if a.kind in REMOVALS) + overwriting
    percent = 100.0 * removed / managed_count
    if percent <= settings.small_set_percent:
        return None
    return SafetyVerdict(
        rule="majority",
        message=_with_overwrites(
            f"the plan disables or deletes {removed} of the {managed_count} managed "
            f"packages ({percent:.1f}%), more than {settings.small_set_percent:g}% "
            "(safety.small_set_percent, for fewer than "
            f"{settings.min_managed} managed packages)", overwriting),
        flag="--force", affected=removed, managed=managed_count,
        limit_percent=settings.small_set_percent, allowed=settings.force)
