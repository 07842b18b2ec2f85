"""The requests of one install: (a look at the history), pre-run, ``existing`` and the
overrides applied to the map, install (E7 unchanged, E11 or the 2023 E7 edited), wait, and
the per-record results. Under ``current`` an install with ``existing: overwrite`` or
overrides reads its map from E10 (no pre-run record left PREPARING) and installs with E11.
The records an install overwrites are named before its install request."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.context import StepContext
from reconciler.apply.poll import (
    InstallFailed,
    StepFailed,
    failed_records,
    wait_for_installation,
)
from reconciler.domain.remote import (
    Installation,
    RemotePackage,
    TranslationMap,
    environment_key,
)
from reconciler.domain.statuses import installation_phase
from reconciler.errors import ApiError, WfpromoteError
from reconciler.plan.changes import Install
from reconciler.plan.installs import matching
from reconciler.plan.model import Action, Reason
from reconciler.plan.translation import (
    EditedMap,
    edit_map,
    ignores_a_created_record,
    parent_links,
    records_by_action,
)


async def install(action: Action, change: Install, ctx: StepContext) -> None:
    if change.declared_existing is not None and action.name in ctx.reassembled:
        # The rollback was refused and the content assembled again: not a rollback any more.
        change = replace(change, existing=change.declared_existing, declared_existing=None)
    api = ctx.api_for(action)   # the target environment's client: its credential is read now
    package_id = ctx.group_ids.get(action.name) or ctx.require_id(action)
    ctx.package_id = package_id
    env = change.environment
    history: list[Installation] | None = None
    if ctx.recheck_installs and action.reason in (Reason.INSTALL_REQUESTED,
                                                  Reason.INSTALL_FAILED, Reason.ROLLBACK):
        # A saved plan may be older than an install made since: never repeat a completed one.
        history = await api.list_installations(package_id)
        done = [i for i in matching(history, RemotePackage(id=package_id), api.environment_key,
                                    change.prior)
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
    if action.reason is not Reason.NEW_VERSION and _may_have_left_one(change, ctx):
        if history is None:
            history = await api.list_installations(package_id)
        if await _earlier_install(action, change, ctx, api, package_id, history):
            return
    if api.capabilities.install_with_map and (change.existing == "overwrite"
                                              or change.overrides):
        await _install_edited(action, change, ctx, api, package_id)
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


def _may_have_left_one(change: Install, ctx: StepContext) -> bool:
    """Whether an earlier run may have left an install of this content under way. A plan
    made in this run read the history already: only a record there that is not finished
    (PREPARING, or running) asks for a fresh look. A saved plan is older than that."""
    return ctx.recheck_installs or change.unfinished


async def _earlier_install(action: Action, change: Install, ctx: StepContext,
                           api: PromotionAPI, package_id: str,
                           history: list[Installation]) -> bool:
    """An install of this package into this environment that an earlier run (killed, say)
    may have left running is never doubled: True when it (or a re-used pre-run of it)
    completed the install, False when a new install is to be made.

    A record that reads PREPARING is a pre-run never installed or an install under way. Of
    the recent ones (registered within ``timeouts.install``), newest first, the first that
    E7 could install (its map needs no edit, or the edit goes into 2023's E7) is installed
    itself: the API starts a record once and refuses it after, so either this starts the
    one install, or the refusal says it was started (by E7, or it is an E11 install, whose
    map already carries the edits) and it is waited for. A record whose map still needs
    edits that only E11 can send is the pre-run an E11 install leaves behind: passed over.
    docs/apply.md, "Installs after a kill".
    """
    env = change.environment
    since = ctx.clock.now() - ctx.install_timeout
    overrides = change.plain_overrides()
    for record in _recent_pending(history, package_id, change.version, api.environment_key,
                                  since):
        try:
            parents = None
            if ignores_a_created_record(record.translationMap, overrides):
                parents = parent_links((await api.get_package(package_id)).packageEntities)
            edited = edit_map(record.translationMap, existing=change.existing,
                              overrides=overrides, environment=env, origin=action.origin,
                              parents=parents)
        except WfpromoteError:
            continue   # not a map this install would use: not one of its records
        if edited.changed and not api.capabilities.map_in_prerun_install:
            # Its edits would go to E11, which makes a record of its own: this is the
            # pre-run an E11 install leaves behind (or one never used). The E11 install, if
            # any, is another record, whose map already carries the edits: keep looking.
            continue
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


async def _install_edited(action: Action, change: Install, ctx: StepContext,
                          api: PromotionAPI, package_id: str) -> None:
    """An install with ``existing: overwrite`` or overrides where the API has E10 and E11:
    the map comes from the translation-map call (E10), which leaves no installation record
    behind (a pre-run, E6, would stay PREPARING for ever once E11 installs instead)."""
    env = change.environment
    tmap = await api.translation_map(package_id)
    ctx.say(f"translation map of {env} read")
    locks = ctx.record_locks.locks_for(env, tmap)
    waited = any(lock.locked() for lock in locks)
    async with contextlib.AsyncExitStack() as stack:
        for lock in locks:
            await stack.enter_async_context(lock)
        if waited:  # another install changed the target meanwhile
            tmap = await api.translation_map(package_id)
            ctx.say(f"translation map of {env} read again")
        edited = await _edited(action, change, ctx, api, package_id, tmap)
        ctx.checkpoint()
        ctx.wrote = True
        installation_id = await api.install_with_map(package_id, edited.translation_map,
                                                     exclude_ids=frozenset())
        await _await_install(change, ctx, api, installation_id, edited)


async def _edited(action: Action, change: Install, ctx: StepContext, api: PromotionAPI,
                  package_id: str, tmap: TranslationMap) -> EditedMap:
    """The map to install; the records it overwrites are named before the install request."""
    env = change.environment
    overrides = change.plain_overrides()
    parents = None
    if ignores_a_created_record(tmap, overrides):
        # The IGNORE cascade needs the package's own parent links: one read, only then.
        parents = parent_links((await api.get_package(package_id)).packageEntities)
    edited = edit_map(tmap, existing=change.existing, overrides=overrides,
                      environment=env, origin=action.origin, parents=parents)
    overwritten = records_by_action(edited.translation_map).get("OVERWRITING", ())
    if overwritten:
        # Named in the log before the install request (the report lists them after the
        # per-record counts).
        ctx.say(f"overwriting in {env}: {', '.join(overwritten)}")
    return edited


async def _install_prepared(action: Action, change: Install, ctx: StepContext,
                            api: PromotionAPI, package_id: str, prepared: Installation) -> None:
    env = change.environment
    edited = await _edited(action, change, ctx, api, package_id, prepared.translationMap)
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
    await _await_install(change, ctx, api, installation_id, edited)


async def _await_install(change: Install, ctx: StepContext, api: PromotionAPI,
                         installation_id: str, edited: EditedMap) -> None:
    env = change.environment
    overwritten = records_by_action(edited.translation_map).get("OVERWRITING", ())
    named = [f"overwriting: {', '.join(overwritten)}"] if overwritten else []
    ctx.say(f"installing (installation {installation_id})")
    try:
        done = await wait_for_installation(api, installation_id, clock=ctx.clock,
                                           timeout=ctx.install_timeout, policy=ctx.policy,
                                           stopping=ctx.stopping)
    except InstallFailed as exc:
        if exc.installation is not None:
            ctx.details.extend(record_results(exc.installation))
        ctx.details.extend(named)
        raise
    ctx.details.extend([*record_results(done), *named])
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
            elif action == "OVERWRITING" or (action == "USEEXISTING"
                                              and status == "INSTALLED"):
                # a matched child of an overwritten parent is updated too (reference 2.5),
                # whichever action the service reports for it
                counts["overwritten"] += 1
            elif action == "USEEXISTING":
                counts["used existing"] += 1
            else:
                counts["created"] += 1
    line = ", ".join(f"{n} {what}" for what, n in counts.items())
    return [f"records: {line}", *(f"failed: {r}" for r in failed_records(installation))]
