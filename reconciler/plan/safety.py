"""Plan-level safety rules: an empty desired set, and too many removals at once.

After octoDNS: the percentage threshold applies once enough packages are managed, and
``--force`` is the way past it. Below that, a run that would disable or delete more than
half (``safety.small_set_percent``) of the managed packages trips it as well: with three
packages managed, one forgotten path must not disable all three.

The rules never raise: they return a :class:`SafetyVerdict` the plan carries, so the user
sees the whole plan with the verdict on top; ``plan`` then exits 1 and ``apply`` refuses
unless the flag is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.plan.model import Action, ActionKind, Reason, SafetyVerdict
from reconciler.plan.settings import PlanSettings

RISKY = frozenset({ActionKind.DISABLE, ActionKind.DELETE, ActionKind.REPLACE})
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


def check_threshold(actions: Sequence[Action], managed_count: int,
                    settings: PlanSettings) -> SafetyVerdict | None:
    if not managed_count:
        return None
    # Removing a failed assembly (never usable) is no risk to what runs: not counted.
    actions = [a for a in actions
               if not (a.kind is ActionKind.DELETE and a.reason is Reason.ASSEMBLY_FAILED)]
    if managed_count >= settings.min_managed:
        risky = sum(1 for a in actions if a.kind in RISKY)
        percent = 100.0 * risky / managed_count
        if percent <= settings.max_change_percent:
            return None
        return SafetyVerdict(
            rule="threshold",
            message=f"the plan disables, deletes or replaces {risky} of {managed_count} "
                    f"managed packages ({percent:.1f}%), more than the limit of "
                    f"{settings.max_change_percent:g}% (safety.max_change_percent)",
            flag="--force", affected=risky, managed=managed_count,
            limit_percent=settings.max_change_percent, allowed=settings.force)
    removed = sum(1 for a in actions if a.kind in REMOVALS)
    percent = 100.0 * removed / managed_count
    if percent <= settings.small_set_percent:
        return None
    return SafetyVerdict(
        rule="majority",
        message=f"the plan disables or deletes {removed} of the {managed_count} managed "
                f"packages ({percent:.1f}%), more than {settings.small_set_percent:g}% "
                "(safety.small_set_percent, for fewer than "
                f"{settings.min_managed} managed packages)",
        flag="--force", affected=removed, managed=managed_count,
        limit_percent=settings.small_set_percent, allowed=settings.force)
