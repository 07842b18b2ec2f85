"""A deliberately small executor of plan actions, for convergence tests of the planner.

The real apply engine lives in reconciler.apply; this one only needs to be obviously right
against the simulator (which assembles at once when ``assembly_seconds`` is 0). It reads
each action as the saved plan writes it (``Action.data()``), so the document is enough.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.domain.remote import RemotePackage
from reconciler.plan.model import Action, ActionKind, Plan

POST_KEYS = ("name", "description", "source", "objectCollections")


async def _settled(api: PromotionAPI, package: RemotePackage) -> RemotePackage:
    for _ in range(50):
        if package.status not in ("ASSEMBLING", None):
            return package
        await asyncio.sleep(0)
        package = await api.get_package(package.id)
    raise AssertionError(f"package {package.id} is still assembling")


async def _status(api: PromotionAPI, package: RemotePackage, status: str | None) -> None:
    if status and package.status != status:
        await api.patch_package(package.id, {"status": status})


async def _create(api: PromotionAPI, after: dict[str, Any]) -> None:
    package = await _settled(api, await api.create_package({k: after[k] for k in POST_KEYS}))
    if "packageEntities" in after:
        put = {k: after[k] for k in ("name", "description", "source", "packageEntities")}
        package = await _settled(api, await api.replace_package(
            package.id, {**put, "status": package.status, "version": package.version}))
    await _status(api, package, after.get("desired_status"))


async def _replace(api: PromotionAPI, action: Action) -> None:
    saved = action.data()
    after, old = saved["after"], str(action.package_id)
    if saved["strategy"] == "create_then_disable":
        await _create(api, after)
        await api.patch_package(old, {"status": "DISABLED"})
        return
    status = after.pop("status")
    if "packageEntities" in after:
        current = await api.get_package(old)
        package = await api.replace_package(old, {**after, "status": "DRAFT",
                                                  "version": current.version})
    else:  # by reference: re-assemble with PATCH, from DRAFT
        if saved["before"]["status"] in ("TESTING", "ACTIVE"):
            await api.patch_package(old, {"status": "DRAFT"})
        package = await api.patch_package(old, after)
    await _status(api, await _settled(api, package), status)


async def _install(plan: Plan, installs: list[Action],
                   clients: dict[str, PromotionAPI]) -> None:
    """Installs go through the apply engine's own step (pre-run, map, install, wait)."""
    import dataclasses

    from reconciler.apply.engine import ApplyEngine, ApplySettings
    from reconciler.apply.poll import PollPolicy
    from reconciler.clock import FakeClock

    listing = clients[next(iter(clients))]
    live = {p.name: p.id for p in await listing.list_packages()
            if p.status != "DISABLED" and not p.deleted}
    ready = tuple(dataclasses.replace(a, package_id=a.package_id or live[a.name])
                  for a in installs)
    engine = ApplyEngine(clients, default_env=next(iter(clients)), clock=FakeClock(),
                         settings=ApplySettings(poll=PollPolicy(first=0.1)))
    report = await engine.run(dataclasses.replace(plan, actions=ready))
    assert not report.failed, report.render_text()


async def perform(plan: Plan, clients: dict[str, PromotionAPI]) -> None:
    installs = [a for a in plan.changes if a.kind is ActionKind.INSTALL]
    for action in plan.changes:
        if action.kind is ActionKind.INSTALL:
            continue
        api = clients[action.source_env or next(iter(clients))]
        if action.kind is ActionKind.CREATE:
            await _create(api, action.data()["after"])
        elif action.kind is ActionKind.UPDATE:
            await api.patch_package(str(action.package_id), action.data()["after"])
        elif action.kind is ActionKind.REPLACE:
            await _replace(api, action)
        elif action.kind is ActionKind.DISABLE:
            await api.patch_package(str(action.package_id), {"status": "DISABLED"})
        elif action.kind is ActionKind.DELETE:
            await api.delete_package(str(action.package_id))
        else:
            raise AssertionError(f"unexpected action {action.kind}")
    if installs:
        await _install(plan, installs, clients)
