"""``plan --prerun``: the pre-run (E6) of every pending install, shown as counts and names.

The only write a plan makes: each pre-run leaves a PREPARING installation record in the
target environment (it installs nothing). The target environment's credential is read here,
and only for the environments a pending install goes to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from reconciler.api.protocol import PromotionAPI
from reconciler.domain.declared import PackageSpec
from reconciler.errors import WfpromoteError
from reconciler.plan.changes import Install
from reconciler.plan.model import Action, ActionKind, Plan, PrerunPreview
from reconciler.plan.translation import (
    edit_map,
    ignores_a_created_record,
    parent_links,
    records_by_action,
)
from reconciler.redact import redact


async def preview_one(action: Action, api: PromotionAPI) -> PrerunPreview:
    change = action.change
    assert isinstance(change, Install)
    env = change.environment
    if action.package_id is None:
        return PrerunPreview(action.name, env, error="the package is created or replaced in "
                             "this run; its pre-run happens during apply")
    try:
        prepared = await api.prepare_installation(action.package_id)
        overrides = change.plain_overrides()
        parents = None
        if ignores_a_created_record(prepared.translationMap, overrides):
            parents = parent_links((await api.get_package(action.package_id)).packageEntities)
        edited = edit_map(prepared.translationMap, existing=change.existing,
                          overrides=overrides, environment=env, origin=action.origin,
                          parents=parents)
    except WfpromoteError as exc:
        return PrerunPreview(action.name, env, error=redact(exc.message))
    return PrerunPreview(action.name, env, records=records_by_action(edited.translation_map))


async def preview_installs(plan: Plan, specs: Sequence[PackageSpec],
                           clients: Mapping[str, PromotionAPI],
                           concurrency: int) -> tuple[PrerunPreview, ...]:
    """One preview per runnable install of the plan, in plan order."""
    installs = [a for a in plan.actions if a.kind is ActionKind.INSTALL and a.runnable]
    gate = asyncio.Semaphore(concurrency)

    async def one(action: Action) -> PrerunPreview:
        async with gate:
            # The target's client (and credential) is made here, on first use.
            return await preview_one(action, clients[action.environment or ""])

    return tuple(await asyncio.gather(*(one(a) for a in installs)))
