"""The requests that carry out one action, in the only safe order for each kind.

create:  POST, wait for assembly, then PATCH the status (and PUT a definition by value).
update:  PATCH the changed fields (after waiting if the package is still assembling).
replace: PUT (then wait if it re-assembles), or create the new package, wait for it and set
         its status, and only then disable the old one.
disable: PATCH status DISABLED.  delete: DELETE.
install: pre-run, optional translation-map overrides, install, wait.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.idempotent import create_once
from reconciler.apply.poll import (
    ASSEMBLING,
    ASSEMBLY_FAILED,
    AssemblyFailed,
    Interrupted,
    PollPolicy,
    StepFailed,
    assembly_failed,
    wait_for_assembly,
    wait_for_installation,
)
from reconciler.clock import Clock
from reconciler.domain.remote import RemotePackage, TranslationMap
from reconciler.errors import WfpromoteError
from reconciler.plan.bodies import full_put_body, post_body
from reconciler.plan.model import Action, ActionKind, ReplaceStrategy


@dataclass
class StepContext:
    """What the steps of one action need; one per action."""

    clients: Mapping[str, PromotionAPI]
    default_env: str
    clock: Clock
    policy: PollPolicy
    assembly_timeout: float
    install_timeout: float
    known_ids: set[str]                       # ids that existed before the run or were made
    group_ids: dict[str, str]                 # package name -> id made earlier in this group
    stopping: Callable[[], bool] = lambda: False
    say: Callable[[str], None] = lambda text: None
    wrote: bool = False                       # a write request was sent for this action
    package_id: str | None = None             # the id the action ended up touching

    def api_for(self, action: Action) -> PromotionAPI:
        env = action.environment if action.kind is ActionKind.INSTALL else action.source_env
        env = env or self.default_env
        try:
            return self.clients[env]
        except KeyError:
            raise StepFailed(f"no client for environment {env!r}",
                             hint="the environment must be declared in wfpromote.yaml") from None

    def checkpoint(self) -> None:
        """Called before each write: once a stop is requested, nothing new is written."""
        if self.stopping():
            raise Interrupted("interrupted before this step was started",
                              hint="run apply again to finish the remaining changes")


async def run_action(action: Action, ctx: StepContext) -> None:
    handler = _HANDLERS[action.kind]
    await handler(action, ctx)


# --- create ----------------------------------------------------------------------------


async def _create(action: Action, ctx: StepContext) -> None:
    package = await _create_and_settle(action, ctx.api_for(action), ctx)
    ctx.group_ids[action.name] = package.id


async def _create_and_settle(action: Action, api: PromotionAPI,
                             ctx: StepContext) -> RemotePackage:
    """POST (idempotently), wait for assembly, write a definition by value, set the status."""
    after = action.body()
    by_value = "packageEntities" in after and api.capabilities.replace_with_put
    ctx.checkpoint()
    ctx.wrote = True
    package = await create_once(api, post_body(after), clock=ctx.clock,
                                known_ids=ctx.known_ids,
                                on_recovered=lambda p: ctx.say(f"found after lost answer "
                                                               f"(id {p.id})"))
    ctx.known_ids.add(package.id)
    ctx.package_id = package.id
    ctx.say(f"posted (id {package.id})")
    try:
        package = await _settle(api, package, ctx)
        if by_value:
            ctx.checkpoint()
            package = await api.replace_package(package.id, _put_body(after, package))
            ctx.say("definition written (PUT)")
            package = await _settle(api, package, ctx)
    except AssemblyFailed as exc:
        raise await _remove_failed(api, exc, ctx) from None
    desired = action.desired_status or after.get("desired_status")
    return await _set_status(api, package, desired, ctx)


async def _remove_failed(api: PromotionAPI, exc: AssemblyFailed,
                         ctx: StepContext) -> StepFailed:
    """A package this run created failed to assemble: it was never usable, so delete it
    (DELETE, which every profile offers) and say what the service could not assemble."""
    what = f"the service could not assemble: {exc.reason}" if exc.reason else \
        "the service did not say which objects it could not assemble"
    try:
        await api.delete_package(exc.package_id)
    except WfpromoteError as cleanup:
        ctx.say(f"could not delete the failed package {exc.package_id}")
        return StepFailed(f"assembly failed for package {exc.package_id}; {what}; deleting "
                          f"the failed package also failed ({cleanup.message})",
                          hint=f"{exc.hint}; the next apply deletes the failed package")
    ctx.say(f"assembly failed; deleted the failed package {exc.package_id}")
    return StepFailed(f"assembly failed; {what}; the failed package {exc.package_id} was "
                      "deleted", hint=exc.hint)


def _put_body(after: dict[str, Any], package: RemotePackage) -> dict[str, Any]:
    """PUT replaces every editable field: keep the current status (set later by PATCH)."""
    return full_put_body({k: v for k, v in after.items() if k != "status"}, package)


async def _settle(api: PromotionAPI, package: RemotePackage,
                  ctx: StepContext) -> RemotePackage:
    """Wait for assembly if the package is (re)assembling; otherwise return it as it is."""
    if package.status is None:
        # A slim list item (a create recovered after a lost answer) may lack the status;
        # PATCHing a package that is still assembling would be refused.
        package = await api.get_package(package.id)
    if (package.status or "").upper() == ASSEMBLY_FAILED:
        raise assembly_failed(package)
    if (package.status or "").upper() not in ASSEMBLING:
        return package
    ctx.say("assembling")
    settled = await wait_for_assembly(
        api, package.id, clock=ctx.clock, timeout=ctx.assembly_timeout, policy=ctx.policy,
        stopping=ctx.stopping)
    ctx.say(f"assembled ({settled.status or 'settled'})")
    return settled


async def _set_status(api: PromotionAPI, package: RemotePackage, desired: str | None,
                      ctx: StepContext) -> RemotePackage:
    if not desired or desired.upper() == (package.status or "").upper():
        return package
    ctx.checkpoint()
    patched = await api.patch_package(package.id, {"status": desired})
    ctx.say(f"status {desired}")
    return patched


# --- update / disable / delete -----------------------------------------------------------


async def _update(action: Action, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    package_id = _require_id(action, ctx)
    fields = action.body()
    before_status = str((action.before or {}).get("status") or "").upper()
    if before_status in ASSEMBLING:
        # Left assembling by an earlier run (or by the UI): PATCH must wait for the end.
        ctx.say("waiting for the earlier assembly")
        settled = await wait_for_assembly(api, package_id, clock=ctx.clock,
                                          timeout=ctx.assembly_timeout, policy=ctx.policy,
                                          stopping=ctx.stopping)
        ctx.say(f"assembled ({settled.status or 'settled'})")
        if str(fields.get("status") or "").upper() == (settled.status or "").upper():
            fields.pop("status")  # the plan compared ASSEMBLING with DRAFT: nothing to do
    status = fields.pop("status", None) if "objectCollections" in fields else None
    if fields:
        ctx.checkpoint()
        ctx.wrote = True
        package = await api.patch_package(package_id, fields)
        ctx.say("patched " + ", ".join(sorted(fields)))
        package = await _settle(api, package, ctx)
    elif status or action.desired_status:
        package = await api.get_package(package_id)
    else:
        return
    await _set_status(api, package, status or _desired(action, fields), ctx)


def _desired(action: Action, fields: dict[str, Any]) -> str | None:
    # The status was already part of the PATCH when fields carried it.
    return None if "status" in fields else action.desired_status


async def _disable(action: Action, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    package_id = _require_id(action, ctx)
    if action.successor_id:
        await _await_successor(api, action.successor_id, package_id, ctx)
    if str((action.before or {}).get("status") or "").upper() == "ASSEMBLING":
        # No status change while it assembles (left so by an earlier run; not UNASSEMBLED,
        # which never ends on its own).
        ctx.say("waiting for the earlier assembly")
        try:
            await _settle(api, await api.get_package(package_id), ctx)
        except AssemblyFailed:
            ctx.checkpoint()
            ctx.wrote = True
            await api.delete_package(package_id)  # never usable: deleted, not disabled
            ctx.say("assembly failed; deleted")
            return
    ctx.checkpoint()
    ctx.wrote = True
    await api.patch_package(package_id, action.body() or {"status": "DISABLED"})
    ctx.say("DISABLED")


async def _await_successor(api: PromotionAPI, successor_id: str, old_id: str,
                           ctx: StepContext) -> None:
    """The old version of an unfinished replace is retired only once its successor has
    assembled, whatever the status either one has; if the successor failed, the old one is
    left as it is."""
    package = await api.get_package(successor_id)
    try:
        if (package.status or "").upper() in ASSEMBLING:
            ctx.say(f"waiting for the new version {successor_id} to assemble")
        await _settle(api, package, ctx)
    except AssemblyFailed as exc:
        detail = f": {exc.reason}" if exc.reason else ""
        raise StepFailed(
            f"the new version {successor_id} failed to assemble{detail}; the old version "
            f"{old_id} is left as it is", hint=f"{exc.hint} (the next apply deletes the "
            "failed version)") from None


async def _delete(action: Action, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    package_id = _require_id(action, ctx)
    ctx.checkpoint()
    ctx.wrote = True
    await api.delete_package(package_id)
    ctx.say("deleted")


# --- replace ---------------------------------------------------------------------------


async def _replace(action: Action, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    old_id = _require_id(action, ctx)
    strategy = action.strategy or (ReplaceStrategy.PUT if api.capabilities.replace_with_put
                                   else ReplaceStrategy.CREATE_THEN_DISABLE)
    old_status = str((action.before or {}).get("status") or "").upper()
    if old_status == "ASSEMBLING":  # UNASSEMBLED never ends on its own
        # Left assembling by an earlier run: neither a PUT nor a status change is accepted
        # until that ends.
        ctx.say("waiting for the earlier assembly")
        try:
            await _settle(api, await api.get_package(old_id), ctx)
        except AssemblyFailed:
            old_status = ASSEMBLY_FAILED
    if strategy is ReplaceStrategy.PUT:
        after = action.body()
        desired = action.desired_status or after.get("status")
        if "packageEntities" in after or not api.capabilities.reassemble_with_patch:
            # R2 is a full replacement and wants the package's current `version`.
            current = await api.get_package(old_id)
            ctx.checkpoint()
            ctx.wrote = True
            package = await api.replace_package(old_id, full_put_body(after, current))
            ctx.say("replaced (PUT)")
        else:
            package = await _reassemble_with_patch(api, old_id, action, after, ctx)
        package = await _settle(api, package, ctx)
        await _set_status(api, package, desired, ctx)
        ctx.group_ids[action.name] = old_id
        return
    # New first, old last: if the new package fails, the old one keeps serving.
    ctx.known_ids.add(old_id)
    new = await _create_and_settle(action, api, ctx)
    ctx.group_ids[action.name] = new.id
    ctx.checkpoint()
    if old_status == ASSEMBLY_FAILED:
        # A failed package was never usable, and implementations differ on which status
        # change it accepts: it is deleted.
        await api.delete_package(old_id)
        ctx.say(f"failed package {old_id} deleted")
        return
    await api.patch_package(old_id, {"status": "DISABLED"})
    ctx.say(f"old package {old_id} DISABLED")


async def _reassemble_with_patch(api: PromotionAPI, package_id: str, action: Action,
                                 after: dict[str, Any], ctx: StepContext) -> RemotePackage:
    """Content by reference under a profile whose PUT needs a full definition: the
    documented way to re-assemble is a PATCH with objectCollections, from DRAFT."""
    status = str((action.before or {}).get("status") or "").upper()
    ctx.checkpoint()
    ctx.wrote = True
    if status in ("TESTING", "ACTIVE"):
        await api.patch_package(package_id, {"status": "DRAFT"})
        ctx.say("status DRAFT (to re-assemble)")
    keys = ("name", "description", "source", "objectCollections")
    fields: dict[str, Any] = {k: after[k] for k in keys if k in after}
    package = await api.patch_package(package_id, fields)
    ctx.say("re-assembling (PATCH objectCollections)")
    return package


# --- install ---------------------------------------------------------------------------


async def _install(action: Action, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    package_id = ctx.group_ids.get(action.name) or _require_id(action, ctx)
    ctx.package_id = package_id
    ctx.checkpoint()
    ctx.wrote = True
    prepared = await api.prepare_installation(package_id)
    ctx.say(f"pre-run in {api.environment} (installation {prepared.id})")
    overrides = (action.after or {}).get("overrides") or {}
    if overrides:
        tmap = with_overrides(prepared.translationMap, overrides)
        installation_id = await api.install_with_map(package_id, tmap) or prepared.id
    else:
        await api.install(prepared.id)
        installation_id = prepared.id
    ctx.say("installing")
    await wait_for_installation(api, installation_id, clock=ctx.clock,
                                timeout=ctx.install_timeout, policy=ctx.policy,
                                stopping=ctx.stopping)
    ctx.say(f"installed in {api.environment}")


def with_overrides(tmap: TranslationMap,
                   overrides: Mapping[str, Mapping[str, str]]) -> TranslationMap:
    """A copy of the pre-run's translation map with the declared install actions put in.

    An override for a record the pre-run did not list is ignored: the map sent back may only
    hold what the service proposed.
    """
    out = {code: dict(records) for code, records in tmap.items()}
    for code, records in overrides.items():
        for source_id, install_action in records.items():
            entry = out.get(code, {}).get(source_id)
            if entry is not None:
                out[code][source_id] = entry.model_copy(update={"action": install_action})
    return out


async def _noop(action: Action, ctx: StepContext) -> None:
    return None


def _require_id(action: Action, ctx: StepContext) -> str:
    package_id = action.package_id or ctx.group_ids.get(action.name)
    if not package_id:
        raise StepFailed(f"{action.kind.value} of {action.name!r} has no package id",
                         hint="plan again")
    ctx.package_id = package_id
    return package_id


_HANDLERS = {
    ActionKind.CREATE: _create,
    ActionKind.UPDATE: _update,
    ActionKind.REPLACE: _replace,
    ActionKind.DISABLE: _disable,
    ActionKind.DELETE: _delete,
    ActionKind.INSTALL: _install,
    ActionKind.NOOP: _noop,
}
