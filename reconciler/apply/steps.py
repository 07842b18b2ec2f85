"""The requests that carry out one action, in the only safe order for each kind.

create:  POST, wait for assembly, then PATCH the status (and PUT a definition by value).
update:  PATCH the changed fields (after waiting if the package is still assembling).
replace: PUT (then wait if it re-assembles), or create the new package, wait for it and set
         its status, and only then disable the old one.
rollback: PATCH the earlier version back to the declared status, then disable the current
         one; if the service refuses the earlier version, create the content anew instead.
disable: PATCH status DISABLED.  delete: DELETE.
install: see ``apply.install_step``. ``apply.context.StepContext`` is what they share.
"""

from __future__ import annotations

from typing import assert_never

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.context import StepContext
from reconciler.apply.idempotent import create_once
from reconciler.apply.install_step import install
from reconciler.apply.poll import (
    ASSEMBLING,
    ASSEMBLY_FAILED,
    AssemblyFailed,
    StepFailed,
    assembly_failed,
    wait_for_assembly,
)
from reconciler.domain.remote import RemotePackage
from reconciler.errors import ApiError, WfpromoteError
from reconciler.plan.changes import (
    DISABLED,
    Create,
    Delete,
    Disable,
    Install,
    NoOp,
    PackageBody,
    Replace,
    ReplaceStrategy,
    Rollback,
    Update,
)
from reconciler.plan.model import Action

# How a service refuses a status change it does not allow (DISABLED -> ACTIVE is not
# documented either way): the request was understood and turned down.
REFUSED = frozenset({400, 409, 422})


async def run_action(action: Action, ctx: StepContext) -> None:
    """The requests of ``action``, chosen by the type of its change."""
    match action.change:
        case Create() as change:
            await _create(action, change, ctx)
        case Update() as change:
            await _update(action, change, ctx)
        case Replace() as change:
            await _replace(action, change, ctx)
        case Rollback() as change:
            await _rollback(action, change, ctx)
        case Disable() as change:
            await _disable(action, change, ctx)
        case Delete():
            await _delete(action, ctx)
        case Install() as change:
            await install(action, change, ctx)
        case NoOp():
            pass
        case _ as never:
            assert_never(never)


# --- create ----------------------------------------------------------------------------


async def _create(action: Action, change: Create, ctx: StepContext) -> None:
    package = await _create_and_settle(change.body, ctx.api_for(action), ctx)
    ctx.group_ids[action.name] = package.id


async def _create_and_settle(body: PackageBody, api: PromotionAPI,
                             ctx: StepContext) -> RemotePackage:
    """POST (idempotently), wait for assembly, write a definition by value, set the status."""
    by_value = body.definition is not None and api.capabilities.replace_with_put
    ctx.checkpoint()
    ctx.wrote = True
    package = await create_once(api, body.post(), clock=ctx.clock,
                                known_ids=ctx.known_ids, window=ctx.late_commit_window,
                                on_recovered=lambda p: ctx.say(f"found after lost answer "
                                                               f"(id {p.id})"),
                                on_waiting=ctx.say,
                                on_reposted=lambda started, made: ctx.reposted.append(
                                    (api, body.post(), started, made.id)))
    ctx.known_ids.add(package.id)
    ctx.package_id = package.id
    ctx.say(f"posted (id {package.id})")
    try:
        package = await _settle(api, package, ctx)
        if by_value:
            ctx.checkpoint()
            # PUT replaces every editable field: the status stays (set later by PATCH).
            put = body.put(version=package.version, status=package.status or "DRAFT")
            package = await api.replace_package(package.id, put)
            ctx.say("definition written (PUT)")
            package = await _settle(api, package, ctx)
    except AssemblyFailed as exc:
        raise await _remove_failed(api, exc, ctx) from None
    return await _set_status(api, package, body.desired_status, ctx)


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


async def _earlier_assembly(api: PromotionAPI, package_id: str,
                            ctx: StepContext) -> RemotePackage:
    """A package an earlier run left ASSEMBLING, once that ends (AssemblyFailed if it failed)."""
    ctx.say("waiting for the earlier assembly")
    return await _settle(api, await api.get_package(package_id), ctx)


async def _set_status(api: PromotionAPI, package: RemotePackage, desired: str | None,
                      ctx: StepContext) -> RemotePackage:
    if not desired or desired.upper() == (package.status or "").upper():
        return package
    ctx.checkpoint()
    patched = await api.patch_package(package.id, {"status": desired})
    ctx.say(f"status {desired}")
    return patched


# --- update / disable / delete -----------------------------------------------------------


async def _update(action: Action, change: Update, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    package_id = ctx.require_id(action)
    fields = change.fields()
    if change.before.status_upper in ASSEMBLING:
        # Left assembling by an earlier run (or by the UI): PATCH must wait for the end.
        ctx.say("waiting for the earlier assembly")
        settled = await wait_for_assembly(api, package_id, clock=ctx.clock,
                                          timeout=ctx.assembly_timeout, policy=ctx.policy,
                                          stopping=ctx.stopping)
        ctx.say(f"assembled ({settled.status or 'settled'})")
        if str(fields.get("status") or "").upper() == (settled.status or "").upper():
            fields.pop("status")  # the plan compared ASSEMBLING with DRAFT: nothing to do
    if fields:
        ctx.checkpoint()
        ctx.wrote = True
        package = await api.patch_package(package_id, fields)
        ctx.say("patched " + ", ".join(sorted(fields)))
        await _settle(api, package, ctx)


async def _disable(action: Action, change: Disable, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    package_id = ctx.require_id(action)
    if change.successor_id:
        await _await_successor(api, change.successor_id, package_id, ctx)
    if change.before.status_upper == "ASSEMBLING":
        # No status change while it assembles (left so by an earlier run; not UNASSEMBLED,
        # which never ends on its own).
        try:
            await _earlier_assembly(api, package_id, ctx)
        except AssemblyFailed:
            ctx.checkpoint()
            ctx.wrote = True
            await api.delete_package(package_id)  # never usable: deleted, not disabled
            ctx.say("assembly failed; deleted")
            return
    ctx.checkpoint()
    ctx.wrote = True
    await api.patch_package(package_id, dict(DISABLED))
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
    package_id = ctx.require_id(action)
    ctx.checkpoint()
    ctx.wrote = True
    await api.delete_package(package_id)
    ctx.say("deleted")


# --- replace ---------------------------------------------------------------------------


async def _replace(action: Action, change: Replace, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    old_id = ctx.require_id(action)
    body = change.body
    old_status = change.before.status_upper
    settled: RemotePackage | None = None
    if old_status == "ASSEMBLING":  # UNASSEMBLED never ends on its own
        # Left assembling by an earlier run: neither a PUT nor a status change is accepted
        # until that ends.
        try:
            settled = await _earlier_assembly(api, old_id, ctx)
        except AssemblyFailed:
            old_status = ASSEMBLY_FAILED
    if change.strategy is ReplaceStrategy.PUT:
        if body.definition is not None or not api.capabilities.reassemble_with_patch:
            # R2 is a full replacement and wants the package's current `version` (just read
            # when the wait above ended).
            current = settled or await api.get_package(old_id)
            ctx.checkpoint()
            ctx.wrote = True
            put = body.put(version=current.version, status=body.status)
            package = await api.replace_package(old_id, put)
            ctx.say("replaced (PUT)")
        else:
            package = await _reassemble_with_patch(api, old_id, change, ctx)
        package = await _settle(api, package, ctx)
        await _set_status(api, package, body.status, ctx)
        ctx.group_ids[action.name] = old_id
        return
    # New first, old last: if the new package fails, the old one keeps serving.
    ctx.known_ids.add(old_id)
    new = await _create_and_settle(body, api, ctx)
    ctx.group_ids[action.name] = new.id
    await _retire_old(api, old_id, old_status, ctx)


async def _retire_old(api: PromotionAPI, old_id: str, old_status: str,
                      ctx: StepContext) -> None:
    """The version a replace or a rollback took over from: disabled (deleted if it never
    assembled; left alone if it is disabled already, as after a prune)."""
    if old_status == "DISABLED":
        return
    ctx.checkpoint()
    if old_status == ASSEMBLY_FAILED:
        # A failed package was never usable, and implementations differ on which status
        # change it accepts: it is deleted.
        await api.delete_package(old_id)
        ctx.say(f"failed package {old_id} deleted")
        return
    await api.patch_package(old_id, {"status": "DISABLED"})
    ctx.say(f"old package {old_id} DISABLED")


# --- rollback --------------------------------------------------------------------------


async def _rollback(action: Action, change: Rollback, ctx: StepContext) -> None:
    """The earlier version first (the current one keeps serving until it is usable), the
    current one last; docs/rollback.md."""
    api = ctx.api_for(action)
    old_id = ctx.require_id(action)
    earlier = change.earlier.state.id
    old_status = change.before.status_upper
    if old_status == "ASSEMBLING":
        try:
            await _earlier_assembly(api, old_id, ctx)
        except AssemblyFailed:
            old_status = ASSEMBLY_FAILED
    ctx.checkpoint()
    ctx.wrote = True
    ctx.known_ids.update((old_id, earlier))
    refusal: str | None = None
    try:
        package = await _settle(api, await api.patch_package(earlier, change.fields()), ctx)
    except ApiError as exc:
        if exc.status not in REFUSED and exc.status != 403:
            raise
        refusal = f"refused to make the earlier package {earlier} {change.status} again " \
                  f"({exc.message})"
    else:
        if (package.status or "").upper() != change.status.upper():
            # Accepted, yet not done: a package that stays DISABLED installs nowhere.
            refusal = (f"answered the request to make the earlier package {earlier} "
                       f"{change.status} again, but it reads {package.status or 'no status'}")
    if refusal is not None:
        # The service does not make a DISABLED package usable again: the earlier version
        # cannot be re-used. The content is assembled again, as a content change would,
        # and the current version is retired only once the new one is usable.
        said = (f"the service {refusal}; it cannot be re-used, so the content is assembled "
                "again from today's sandbox and installed as `existing:` declares")
        ctx.say(said)
        ctx.details.append(said)
        ctx.reassembled.add(action.name)
        package = await _create_and_settle(change.fallback, api, ctx)
        ctx.details.append(f"assembled again as package {package.id}")
    else:
        ctx.say(f"earlier package {earlier} {change.status} again")
    ctx.group_ids[action.name] = package.id
    ctx.package_id = package.id
    await _retire_old(api, old_id, old_status, ctx)


async def _reassemble_with_patch(api: PromotionAPI, package_id: str, change: Replace,
                                 ctx: StepContext) -> RemotePackage:
    """Content by reference under a profile whose PUT needs a full definition: the
    documented way to re-assemble is a PATCH with objectCollections, from DRAFT."""
    ctx.checkpoint()
    ctx.wrote = True
    if change.before.status_upper in ("TESTING", "ACTIVE"):
        await api.patch_package(package_id, {"status": "DRAFT"})
        ctx.say("status DRAFT (to re-assemble)")
    package = await api.patch_package(package_id, change.body.reassemble())
    ctx.say("re-assembling (PATCH objectCollections)")
    return package
