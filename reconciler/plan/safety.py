"""Plan-level safety checks: refuse an empty desired set and a plan over the threshold.

After octoDNS: the thresholds only apply once enough packages are managed, and ``--force``
is the one way past them.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.errors import UnsafePlan
from reconciler.plan.model import Action, ActionKind, Reason
from reconciler.plan.settings import PlanSettings

RISKY = frozenset({ActionKind.DISABLE, ActionKind.DELETE, ActionKind.REPLACE})


def check_not_empty(desired_count: int, managed_count: int, settings: PlanSettings) -> None:
    if desired_count or settings.allow_empty:
        return
    raise UnsafePlan(
        f"no packages are declared; planning would remove all {managed_count} package(s) "
        f"owned by {settings.owner!r}",
        hint="check the `packages:` path in wfpromote.yaml; pass --allow-empty if this is "
             "really what you want")


def check_threshold(actions: Sequence[Action], managed_count: int,
                    settings: PlanSettings) -> None:
    if settings.force or managed_count < settings.min_managed:
        return
    # Removing a failed assembly (never usable) or re-making one is not a risk to what runs.
    risky = sum(1 for a in actions if a.kind in RISKY and a.reason is not Reason.ASSEMBLY_FAILED)
    percent = 100.0 * risky / managed_count
    if percent > settings.max_change_percent:
        raise UnsafePlan(
            f"the plan disables, deletes or replaces {risky} of {managed_count} managed "
            f"packages ({percent:.1f}%), more than the limit of "
            f"{settings.max_change_percent:g}%",
            hint="review the plan; pass --force to go ahead anyway, or raise "
                 "safety.max_change_percent in wfpromote.yaml")
