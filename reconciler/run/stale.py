"""Refusing a saved plan that no longer describes the world.

Before a saved plan is applied, the remote is listed again and the declared files are read
again. Any moved fingerprint (a touched package changed, a managed package appeared, a package
appeared under a name the plan creates or matched a package by, even one it leaves alone:
``plan.fingerprint``) or a different declared-files digest makes the plan stale, and nothing
is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.api.protocol import PromotionAPI
from reconciler.domain.declared import Config, PackageSpec
from reconciler.errors import StalePlan
from reconciler.plan.model import Plan

HINT = "make a new plan (wfpromote plan --out plan.json), review it, and apply that"


def check_target(plan: Plan, config: Config) -> None:
    """Raise StalePlan unless the plan was made for this owner and API profile."""
    if plan.owner != config.owner or plan.profile != config.api:
        raise StalePlan(
            f"the saved plan was made for owner {plan.owner!r} / API profile {plan.profile!r}, "
            f"but wfpromote.yaml now says {config.owner!r} / {config.api!r}", hint=HINT)


async def check_fresh(plan: Plan, config: Config, clients: Mapping[str, PromotionAPI],
                      specs: Sequence[PackageSpec] | None = None) -> None:
    """Raise StalePlan unless the remote and the declared files still match the plan.
    ``specs``: the plan's package files (``plan.paths``) when the caller has loaded them."""
    from reconciler.desired.loader import declared_digest, load_packages
    from reconciler.run.settings import load_settings

    check_target(plan, config)
    if specs is None:
        specs = load_packages(load_settings(config), list(plan.paths))
    if declared_digest(specs) != plan.desired_digest:
        raise StalePlan("stale plan: the declared package files changed since it was made",
                        hint=HINT)
    moved = await _moved_keys(plan, config, clients)
    if moved:
        shown = ", ".join(moved[:5]) + (f" and {len(moved) - 5} more" if len(moved) > 5 else "")
        raise StalePlan(f"stale plan: the remote packages changed since it was made ({shown})",
                        hint=HINT)


async def _moved_keys(plan: Plan, config: Config,
                      clients: Mapping[str, PromotionAPI]) -> list[str]:
    """Keys whose fingerprint moved, judged on the listing and, where the listing lacks the
    status (a slim list item), on the full record the planner would have fetched."""
    from reconciler.plan.fingerprint import stale_keys
    from reconciler.run.planning import fetch_details

    api = clients[config.listing_environment()]
    remote = await api.list_packages()
    moved = stale_keys(plan.remote_fingerprints, remote, plan.owner)
    slim = {p.id.lower() for p in remote if p.status is None and p.id.lower() in moved}
    if not slim:
        return moved
    detailed = await fetch_details(api, remote, {p.id for p in remote if p.id.lower() in slim},
                                   config.concurrency)
    again = set(stale_keys(plan.remote_fingerprints, detailed, plan.owner))
    return [key for key in moved if key in again]
