"""Refusing a saved plan that no longer describes the world.

Before a saved plan is applied, the remote is listed again and the declared files are read
again. Any moved fingerprint (a touched package changed, a managed package appeared, a package
appeared under a name the plan creates or matched a package by, even one it leaves alone:
``plan.fingerprint``) or a different declared-files digest makes the plan stale, and nothing
is written.

A fresh plan is then made again from the same files, listing and flags, and must match the
saved one (:func:`check_bound`, ``plan.binding``); what apply runs is that new plan, so an
edited saved plan can change nothing it writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock
from reconciler.domain.declared import Config, PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.errors import EditedPlan, StalePlan
from reconciler.plan.model import Plan

HINT = "make a new plan (wfpromote plan --out plan.json), review it, and apply that"


def check_target(plan: Plan, config: Config) -> None:
    """Raise StalePlan unless the plan was made for this owner and API profile."""
    if plan.owner != config.owner or plan.profile != config.api:
        raise StalePlan(
            f"the saved plan was made for owner {plan.owner!r} / API profile {plan.profile!r}, "
            f"but wfpromote.yaml now says {config.owner!r} / {config.api!r}", hint=HINT)


async def check_fresh(plan: Plan, config: Config, clients: Mapping[str, PromotionAPI],
                      specs: Sequence[PackageSpec] | None = None) -> list[RemotePackage]:
    """Raise StalePlan unless the remote and the declared files still match the plan.
    ``specs``: the plan's package files (``plan.paths``) when the caller has loaded them.
    Returns the listing it judged on."""
    from reconciler.desired.loader import declared_digest, load_packages
    from reconciler.run.settings import load_settings

    check_target(plan, config)
    if specs is None:
        specs = load_packages(load_settings(config), list(plan.paths))
    if declared_digest(specs) != plan.desired_digest:
        raise StalePlan("stale plan: the declared package files changed since it was made",
                        hint=HINT)
    remote = await clients[config.listing_environment()].list_packages()
    moved = await _moved_keys(plan, config, clients, remote)
    if moved:
        shown = ", ".join(moved[:5]) + (f" and {len(moved) - 5} more" if len(moved) > 5 else "")
        raise StalePlan(f"stale plan: the remote packages changed since it was made ({shown})",
                        hint=HINT)
    return remote


async def check_bound(plan: Plan, config: Config, clients: Mapping[str, PromotionAPI],
                      specs: Sequence[PackageSpec], clock: Clock,
                      listing: Sequence[RemotePackage] | None = None) -> Plan:
    """The plan to run for the saved ``plan``: the same plan made again from ``specs`` (and
    ``listing``, when the caller has just read it) with the flags the saved plan was made with.
    Raise EditedPlan when the two differ anywhere."""
    from reconciler.plan.binding import bind
    from reconciler.run.planning import build_plan, options_of

    fresh = await build_plan(config, specs, clients, options_of(plan.flags, plan.paths),
                             clock, listing=listing)
    binding = bind(plan, fresh, specs)
    if binding.problems:
        shown = "; ".join(binding.problems[:3])
        more = len(binding.problems) - 3
        if more > 0:
            shown += f"; and {more} more difference(s)"
        raise EditedPlan(
            f"the saved plan does not match the plan its package files make: {shown}. It was "
            "edited after `wfpromote plan --out`, or the remote changed in a way its "
            "fingerprints do not show; nothing was changed", hint=HINT)
    return binding.plan


async def _moved_keys(plan: Plan, config: Config, clients: Mapping[str, PromotionAPI],
                      remote: Sequence[RemotePackage]) -> list[str]:
    """Keys whose fingerprint moved, judged on the listing and, where the listing lacks the
    status (a slim list item), on the full record the planner would have fetched."""
    from reconciler.plan.fingerprint import stale_keys
    from reconciler.run.planning import fetch_details

    api = clients[config.listing_environment()]
    moved = stale_keys(plan.remote_fingerprints, remote, plan.owner)
    slim = {p.id.lower() for p in remote if p.status is None and p.id.lower() in moved}
    if not slim:
        return moved
    detailed = await fetch_details(api, remote, {p.id for p in remote if p.id.lower() in slim},
                                   config.concurrency)
    again = set(stale_keys(plan.remote_fingerprints, detailed, plan.owner))
    return [key for key in moved if key in again]
