"""The requests that carry out one action, in the only safe order for each kind.

create:  POST, wait for assembly, then PATCH the status (and PUT a definition by value).
update:  PATCH the changed fields (after waiting if the package is still assembling).
replace: PUT (then wait if it re-assembles), or create the new package, wait for it and set
         its status, and only then disable the old one.
disable: PATCH status DISABLED.  delete: DELETE.
install: (a look at the history), pre-run, ``existing`` and overrides applied to the map,
         install (E7 unchanged, E11 or the 2023 E7 edited), wait, per-record results.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, assert_never

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.idempotent import create_once
from reconciler.apply.poll import (
    ASSEMBLING,
    ASSEMBLY_FAILED,
    AssemblyFailed,
    InstallFailed,
    Interrupted,
    PollPolicy,
    StepFailed,
    assembly_failed,
    failed_records,
    wait_for_assembly,
    wait_for_installation,
)
from reconciler.clock import Clock
from reconciler.domain.remote import (
    Installation,
    RemotePackage,
    TranslationMap,
    environment_key,
)
from reconciler.domain.statuses import installation_phase
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
    Update,
)
from reconciler.plan.installs import matching
from reconciler.plan.model import Action, Reason
from reconciler.plan.translation import edit_map


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
    record_locks: RecordLocks = field(default_factory=lambda: RecordLocks())
    recheck_installs: bool = True             # look at the history before installing
    details: list[str] = field(default_factory=list)   # per-record results, for the report
    late_commit_window: float = 60.0          # a lost POST may still commit this long after
    # Creates posted twice (the first answer lost): (api, body, first attempt, id kept);
    # the engine looks for a late twin of each at the end of the run.
    reposted: list[tuple[PromotionAPI, dict[str, Any], float, str]] = field(
        default_factory=list)

    def api_for(self, action: Action) -> PromotionAPI:
        env = action.environment or action.source_env or self.default_env
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
    """The requests of ``action``, chosen by the type of its change."""
    match action.change:
        case Create() as change:
            await _create(action, change, ctx)
        case Update() as change:
            await _update(action, change, ctx)
        case Replace() as change:
            await _replace(action, change, ctx)
        case Disable() as change:
            await _disable(action, change, ctx)
        case Delete():
            await _delete(action, ctx)
        case Install() as change:
            await _install(action, change, ctx)
        case NoOp():
            pass
        case _ as never:
            assert_never(never)


# --- create ----------------------------------------------------------------------------


async def _create(action: Action, change: Create, ctx: StepContext) -> None:
    package = await _create_and_settle(action.name, change.body, ctx.api_for(action), ctx)
    ctx.group_ids[action.name] = package.id


async def _create_and_settle(name: str, body: PackageBody, api: PromotionAPI,
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
    package_id = _require_id(action, ctx)
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
    package_id = _require_id(action, ctx)
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
    package_id = _require_id(action, ctx)
    ctx.checkpoint()
    ctx.wrote = True
    await api.delete_package(package_id)
    ctx.say("deleted")


# --- replace ---------------------------------------------------------------------------


async def _replace(action: Action, change: Replace, ctx: StepContext) -> None:
    api = ctx.api_for(action)
    old_id = _require_id(action, ctx)
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
    new = await _create_and_settle(action.name, body, api, ctx)
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


# --- install ---------------------------------------------------------------------------


class RecordLocks:
    """Installs into one environment that share records run one after the other.

    The reference says to pre-run again when the target changed after a pre-run: two
    packages holding the same record, installed at once into one environment, would both
    plan to CREATE it. Each install locks (environment, objCode, source ID) of every record
    of its pre-run, in one sorted order (no deadlock); an install that had to wait pre-runs
    again. Installs of disjoint packages run concurrently.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def locks_for(self, env: str, tmap: TranslationMap) -> list[asyncio.Lock]:
        keys = sorted((env, code, sid) for code, records in tmap.items() for sid in records)
        return [self._locks.setdefault(key, asyncio.Lock()) for key in keys]


async def _install(action: Action, change: Install, ctx: StepContext) -> None:
    api = ctx.api_for(action)   # the target environment's client: its credential is read now
    package_id = ctx.group_ids.get(action.name) or _require_id(action, ctx)
    ctx.package_id = package_id
    env = change.environment
    if ctx.recheck_installs and action.reason in (Reason.INSTALL_REQUESTED,
                                                  Reason.INSTALL_FAILED):
        # A saved plan may be older than an install made since: never repeat a completed one.
        history = await api.list_installations(package_id)
        done = [i for i in matching(history, RemotePackage(id=package_id), api.environment_key)
                if installation_phase(i.status) == "succeeded"]
        if done:
            ctx.say(f"already installed in {env} (installation {done[-1].id})")
            ctx.details.append(f"already installed (installation {done[-1].id})")
            return
    running = change.last.installation_id if change.last else ""
    if running and change.last and installation_phase(str(change.last.status or "")) \
            == "running":
        # An earlier install (one that timed out, say) is still under way: starting another
        # would race it. Wait for it; only a failure leads to a new install.
        ctx.say(f"waiting for installation {running}, still running in {env}")
        try:
            finished = await wait_for_installation(api, running, clock=ctx.clock,
                                                   timeout=ctx.install_timeout,
                                                   policy=ctx.policy, stopping=ctx.stopping)
        except InstallFailed:
            ctx.say(f"installation {running} failed; installing again")
        else:
            ctx.details.append(f"an earlier installation ({running}) finished")
            ctx.details.extend(record_results(finished))
            return
    if action.reason is not Reason.NEW_VERSION and \
            await _earlier_install(action, change, ctx, api, package_id):
        return
    ctx.checkpoint()
    ctx.wrote = True
    prepared = await api.prepare_installation(package_id)
    ctx.say(f"pre-run in {env} (installation {prepared.id})")
    locks = ctx.record_locks.locks_for(env, prepared.translationMap)
    waited = any(lock.locked() for lock in locks)
    async with contextlib.AsyncExitStack() as stack:
        for lock in locks:
            await stack.enter_async_context(lock)
        if waited:  # another install changed the target meanwhile
            ctx.checkpoint()
            prepared = await api.prepare_installation(package_id)
            ctx.say(f"pre-run again in {env} (installation {prepared.id})")
        await _install_prepared(action, change, ctx, api, package_id, prepared)


def _recent_pending(history: list[Installation], package_id: str, version: Any,
                    env_url: str, since: float) -> list[Installation]:
    """Records of this package (and version, when both say) into this environment that
    still read PREPARING and were registered after ``since`` (epoch seconds), newest first:
    pre-runs never installed, or installs still running (no in-progress value is
    documented, so the two read alike)."""
    key = environment_key(env_url)
    out = []
    for inst in history:
        if inst.environmentPromotionPackageId not in (None, package_id) or \
                environment_key(inst.environment) != key or \
                installation_phase(inst.status) != "pending":
            continue
        if version is not None and inst.environmentPromotionPackageVersion is not None \
                and inst.environmentPromotionPackageVersion != version:
            continue
        registered = _epoch(inst.registeredAt)
        if registered is not None and registered < since:
            continue   # older than the install deadline: not ours to wait for
        out.append(inst)
    return sorted(out, key=lambda i: i.registeredAt or "", reverse=True)


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


async def _earlier_install(action: Action, change: Install, ctx: StepContext,
                           api: PromotionAPI, package_id: str) -> bool:
    """An install of this package into this environment that an earlier run (killed, say)
    may have left running is never doubled: True when it (or a re-used pre-run of it)
    completed the install, False when a new install is to be made.

    A record that reads PREPARING is a pre-run never installed or an install under way. The
    newest recent one (registered within ``timeouts.install``) is installed itself when the
    install would use E7 (the map unchanged, or 2023's E7 with the edited map): the API
    starts a pre-run record once and refuses it after, so either this starts the one
    install, or the refusal says it was started and it is waited for. Under an edited map
    with E11, which makes a record of its own, a recent PREPARING record whose map already
    carries the edits is such an install and is waited for; one whose map still needs them
    is a pre-run never installed, left alone. docs/apply.md, "Installs after a kill".
    """
    env = change.environment
    history = await api.list_installations(package_id)
    since = ctx.clock.now() - ctx.install_timeout
    candidates = _recent_pending(history, package_id, change.version, api.environment_key,
                                 since)
    e11 = api.capabilities.install_with_map and (
        change.existing != "use" or any(change.plain_overrides().values()))
    for index, record in enumerate(candidates):
        try:
            edited = edit_map(record.translationMap, existing=change.existing,
                              overrides=change.plain_overrides(), environment=env,
                              origin=action.origin)
        except WfpromoteError:
            continue   # not a map this install would use: not one of its records
        if e11:
            if edited.changed:
                continue   # a pre-run whose edited map went to E11 (or never went)
            ctx.say(f"waiting for installation {record.id} of an earlier run")
            if await _await_earlier(api, record, ctx, env):
                return True
            continue
        if index > 0 or (edited.changed and not api.capabilities.map_in_prerun_install):
            break
        locks = ctx.record_locks.locks_for(env, record.translationMap)
        async with contextlib.AsyncExitStack() as stack:
            for lock in locks:
                await stack.enter_async_context(lock)
            ctx.checkpoint()
            ctx.wrote = True
            try:
                await api.install(record.id, edited.translation_map if edited.changed
                                  else None)
            except ApiError as exc:
                if exc.status == 404:
                    return False   # the record is gone: install anew
                if exc.status not in (400, 409, 412, 422):
                    raise
                ctx.say(f"installation {record.id} of an earlier run was already started; "
                        "waiting for it")
            else:
                ctx.say(f"installing the earlier run's pre-run (installation {record.id})")
            return await _await_earlier(api, record, ctx, env)
    return False


async def _await_earlier(api: PromotionAPI, record: Installation, ctx: StepContext,
                         env: str) -> bool:
    """Wait for an earlier run's installation, within the install deadline counted from
    when it was registered: True when it succeeded, False when it failed (install anew)."""
    registered = _epoch(record.registeredAt)
    left = ctx.install_timeout if registered is None else \
        max(1.0, registered + ctx.install_timeout - ctx.clock.now())
    try:
        done = await wait_for_installation(api, record.id, clock=ctx.clock, timeout=left,
                                           policy=ctx.policy, stopping=ctx.stopping)
    except InstallFailed as exc:
        ctx.say(f"installation {record.id} of an earlier run failed; installing again")
        if exc.installation is not None:
            ctx.details.append(f"an earlier installation ({record.id}) failed")
        return False
    ctx.details.append(f"an earlier installation ({record.id}) finished")
    ctx.details.extend(record_results(done))
    ctx.say(f"installed in {env}")
    return True


async def _install_prepared(action: Action, change: Install, ctx: StepContext,
                            api: PromotionAPI, package_id: str, prepared: Installation) -> None:
    env = change.environment
    edited = edit_map(prepared.translationMap, existing=change.existing,
                      overrides=change.plain_overrides(), environment=env, origin=action.origin)
    ctx.checkpoint()
    if not edited.changed:
        await api.install(prepared.id)                    # E7: the pre-run's map as it is
        installation_id = prepared.id
    elif api.capabilities.install_with_map:
        installation_id = await api.install_with_map(     # E11: the edited map
            package_id, edited.translation_map, exclude_ids=frozenset({prepared.id}))
    elif api.capabilities.map_in_prerun_install:
        await api.install(prepared.id, edited.translation_map)   # 2023: E7 took a map
        installation_id = prepared.id
    else:
        raise StepFailed(f"the API profile of {env!r} offers no way to install an edited "
                         "translation map", hint="drop the overrides and `existing: overwrite`")
    ctx.say(f"installing (installation {installation_id})")
    try:
        done = await wait_for_installation(api, installation_id, clock=ctx.clock,
                                           timeout=ctx.install_timeout, policy=ctx.policy,
                                           stopping=ctx.stopping)
    except InstallFailed as exc:
        if exc.installation is not None:
            ctx.details.extend(record_results(exc.installation))
        raise
    ctx.details.extend(record_results(done))
    ctx.say(f"installed in {env}")


def record_results(installation: Installation) -> list[str]:
    """Per-record outcome counts: created, used existing, overwritten, ignored, failed."""
    counts = {"created": 0, "used existing": 0, "overwritten": 0, "ignored": 0, "failed": 0}
    for records in installation.translationMap.values():
        for entry in records.values():
            status = (entry.installationStatus or "").upper()
            action = entry.action.upper()
            if status == "FAILED":
                counts["failed"] += 1
            elif action == "IGNORE":
                counts["ignored"] += 1
            elif action == "OVERWRITING":
                counts["overwritten"] += 1
            elif action == "USEEXISTING":
                counts["used existing"] += 1
            else:
                counts["created"] += 1
    line = ", ".join(f"{n} {what}" for what, n in counts.items())
    return [f"records: {line}", *(f"failed: {r}" for r in failed_records(installation))]


def _require_id(action: Action, ctx: StepContext) -> str:
    package_id = action.package_id or ctx.group_ids.get(action.name)
    if not package_id:
        raise StepFailed(f"{action.kind.value} of {action.name!r} has no package id",
                         hint="plan again")
    ctx.package_id = package_id
    return package_id
