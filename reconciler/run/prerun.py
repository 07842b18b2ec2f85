"""``plan --prerun``: the pre-run (E6) of every pending install, shown as counts and names.

The only write a plan makes: each pre-run leaves a PREPARING installation record in the
target environment (it installs nothing). An install whose pre-run cannot be made yet (the
package is created or replaced in this run, or its status changes in it) is not pre-run; it
and a pre-run refused or failed are shown as *not available, because ...*, never as zeros.
The target environment's credential is read here, and only for the environments a pending
install goes to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from reconciler.api.protocol import PromotionAPI
from reconciler.domain.declared import PackageSpec
from reconciler.errors import WfpromoteError
from reconciler.plan.changes import Install, Replace, Rollback, Update
from reconciler.plan.model import Action, ActionKind, Plan, PrerunPreview
from reconciler.plan.translation import (
    edit_map,
    ignores_a_created_record,
    parent_links,
    records_by_action,
)
from reconciler.redact import redact


def _not_yet(action: Action, plan: Plan) -> str | None:
    """Why the install's pre-run cannot be made before apply (None: it can)."""
    if action.package_id is None:
        return ("the package is created (or replaced by a new one) in this run; its pre-run "
                "happens during apply")
    for other in plan.actions:
        if isinstance(other.change, Rollback) and other.name == action.name:
            records = ", ".join(other.change.earlier.records) or "its records"
            return ("a rollback makes the earlier package usable again in this run, so its "
                    "pre-run happens during apply; it overwrites, where the target holds "
                    f"them: {records}")
        if other.name != action.name or other.package_id != action.package_id:
            continue
        if isinstance(other.change, Replace):
            return ("the package's content is replaced in this run; its pre-run happens "
                    "during apply")
        if isinstance(other.change, Update) and other.change.status is not None:
            before = other.change.before.status or "?"
            return (f"the package's status changes from {before} to {other.change.status} in "
                    "this run; its pre-run happens during apply")
    return None


async def preview_one(action: Action, api: PromotionAPI) -> PrerunPreview:
    """The pre-run of one install whose package exists and keeps its status in this run."""
    change = action.change
    assert isinstance(change, Install) and action.package_id is not None
    env = change.environment
    try:
        prepared = await api.prepare_installation(action.package_id)
    except WfpromoteError as exc:
        return PrerunPreview(action.name, env,
                             error=f"the pre-run failed: {redact(exc.message)}")
    try:
        overrides = change.plain_overrides()
        parents = None
        if ignores_a_created_record(prepared.translationMap, overrides):
            parents = parent_links((await api.get_package(action.package_id)).packageEntities)
        edited = edit_map(prepared.translationMap, existing=change.existing,
                          overrides=overrides, environment=env, origin=action.origin,
                          parents=parents)
    except WfpromoteError as exc:
        return PrerunPreview(action.name, env,
                             error=f"the map is refused: {redact(exc.message)}")
    return PrerunPreview(action.name, env, records=records_by_action(edited.translation_map))


async def preview_installs(plan: Plan, specs: Sequence[PackageSpec],
                           clients: Mapping[str, PromotionAPI],
                           concurrency: int) -> tuple[PrerunPreview, ...]:
    """One preview per runnable install of the plan, in plan order. An install whose pre-run
    cannot be made yet is not pre-run (no request): its preview says why."""
    installs = [a for a in plan.actions if a.kind is ActionKind.INSTALL and a.runnable]
    gate = asyncio.Semaphore(concurrency)

    async def one(action: Action) -> PrerunPreview:
        if (why := _not_yet(action, plan)) is not None:
            return PrerunPreview(action.name, action.environment or "", error=why)
        async with gate:
            # The target's client (and credential) is made here, on first use.
            return await preview_one(action, clients[action.environment or ""])

    return tuple(await asyncio.gather(*(one(a) for a in installs)))


def production_overwrites(previews: Sequence[PrerunPreview],
                          kinds: Mapping[str, str | None]) -> tuple[str, ...]:
    """One warning per previewed install into a production-kind environment that overwrites
    records: every OVERWRITING record by objCode and name."""
    out = []
    for preview in previews:
        labels = preview.records.get("OVERWRITING", ())
        if labels and kinds.get(preview.environment) == "production":
            out.append(f"install of {preview.name!r} into production environment "
                       f"{preview.environment!r} overwrites {len(labels)} record(s): "
                       + ", ".join(labels))
    return tuple(out)
