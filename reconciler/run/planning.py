"""The I/O around the pure planner: load, list once, fetch only what the list cannot tell.

``make_plan`` is what the ``plan`` command calls; ``build_plan`` is the async part, given
open clients, which ``apply`` (it keeps the clients open to apply the plan) and tests reuse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock, RealClock
from reconciler.desired.settings import LoadSettings
from reconciler.domain.declared import Config, PackageSpec
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.plan.model import Plan, PlanFlags
from reconciler.plan.planner import plan_prepared
from reconciler.plan.prepare import Preparation, prepare
from reconciler.plan.settings import PlanSettings
from reconciler.run.settings import load_settings

if TYPE_CHECKING:
    from reconciler.plan.promotion import Matrix

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class PlanOptions:
    """The command-line choices that shape a plan (selection and safety flags)."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    reinstall: tuple[str, ...] = ()      # --reinstall ENV
    prerun: bool = False                 # plan --prerun: pre-run each pending install
    adopt: bool = False
    allow_empty: bool = False
    force: bool = False
    paths: tuple[str, ...] = ()          # PATHS: a partial scope never prunes
    picture: bool = False                # attach the promotion matrix (Markdown, JSON, --out)


PARTIAL_REASON = ("the given PATHS do not cover the packages folder; only a run over the "
                  "whole folder disables or deletes packages that are not declared")


def environment_urls(config: Config) -> dict[str, str]:
    """Environment name -> the URL sent as a package ``source``."""
    return {name: env.base_url(name) for name, env in config.environments.items()}


def plan_settings(config: Config, api: PromotionAPI, options: PlanOptions,
                  digest: str, now: float | None = None) -> PlanSettings:
    from reconciler.desired.loader import covers_packages

    complete = covers_packages(load_settings(config), options.paths)
    return PlanSettings(
        owner=config.owner, capabilities=api.capabilities, profile=config.api,
        prune=config.prune, environments=environment_urls(config),
        targets=tuple(options.targets), excludes=tuple(options.excludes),
        replaces=frozenset(options.replaces), adopt=options.adopt,
        allow_empty=options.allow_empty, force=options.force,
        max_change_percent=config.safety.max_change_percent,
        min_managed=config.safety.min_managed,
        small_set_percent=config.safety.small_set_percent, desired_digest=digest,
        complete_scope=complete, scope_reason=None if complete else PARTIAL_REASON,
        environment_kinds={name: env.kind for name, env in config.environments.items()},
        now=now,
        reinstall=frozenset(options.reinstall))


async def fetch_details(api: PromotionAPI, remote: Sequence[RemotePackage],
                        ids: AbstractSet[str], concurrency: int) -> list[RemotePackage]:
    """The listing with the packages named by ``ids`` replaced by their full records."""
    fetched = await fetch_records(api, ids, concurrency)
    return [fetched.get(p.id, p) for p in remote]


async def fetch_records(api: PromotionAPI, ids: AbstractSet[str],
                        concurrency: int) -> dict[str, RemotePackage]:
    """The full record of each package in ``ids``, by id, concurrently."""
    if not ids:
        return {}
    gate = asyncio.Semaphore(concurrency)

    async def one(package_id: str) -> RemotePackage:
        async with gate:
            return await api.get_package(package_id)

    order = sorted(ids)
    return dict(zip(order, await asyncio.gather(*(one(i) for i in order)), strict=True))


async def fetch_histories(api: PromotionAPI, ids: AbstractSet[str],
                          concurrency: int) -> dict[str, list[Installation]]:
    """The installation history (E8) of each package in ``ids``, concurrently. One listing
    per package covers every environment, so the listing environment's client reads it."""
    if not ids:
        return {}
    gate = asyncio.Semaphore(concurrency)

    async def one(package_id: str) -> list[Installation]:
        async with gate:
            return await api.list_installations(package_id)

    order = sorted(ids)
    return dict(zip(order, await asyncio.gather(*(one(i) for i in order)), strict=True))


def check_reinstall(config: Config, options: PlanOptions) -> None:
    from reconciler.errors import WfpromoteError
    from reconciler.suggest import did_you_mean

    for env in options.reinstall:
        if env not in config.environments:
            raise WfpromoteError(f"--reinstall {env!r}: no such environment in {config.path}",
                                 hint=did_you_mean(env, config.environments,
                                                   noun="environments")
                                 or "name an environment of wfpromote.yaml")


async def build_plan(config: Config, specs: Sequence[PackageSpec],
                     clients: Mapping[str, PromotionAPI], options: PlanOptions,
                     clock: Clock, listing: Sequence[RemotePackage] | None = None,
                     listing_seconds: float | None = None) -> Plan:
    """The plan of ``specs``; ``listing``: the package list when the caller has already read
    it (``import --adopt``, or ``make_plan`` while the files were read; ``listing_seconds``
    then says how long that took), else it is listed here."""
    api = clients[config.listing_environment()]
    from reconciler.desired.loader import declared_digest

    check_reinstall(config, options)  # a typo fails before any request
    settings = plan_settings(config, api, options, declared_digest(specs), clock.now())
    started = clock.monotonic()
    remote = list(listing) if listing is not None else await api.list_packages()
    listed = clock.monotonic()
    prepared = prepare(specs, remote, settings)   # selection and matching, once
    if prepared.details:
        log.info("fetching %d package(s) the listing cannot decide about",
                 len(prepared.details))
    details, histories = await asyncio.gather(
        fetch_records(api, prepared.details, config.concurrency),
        fetch_histories(api, prepared.histories, config.concurrency))
    prepared = prepared.fetched(details)
    if earlier := {p.id for p in prepared.rollbacks() if p.packageEntities is None}:
        # Found only once the listing could be matched: the version a rollback re-uses
        # is read whole too (its records and when it was retired).
        prepared = prepared.fetched(await fetch_records(api, earlier, config.concurrency))
    if missing := prepared.histories - histories.keys():
        # A fetched record changed a match (the listing alone could not tell them apart).
        histories.update(await fetch_histories(api, missing, config.concurrency))
    fetched = clock.monotonic()
    result = plan_prepared(prepared, histories)
    if options.picture:   # only what the comment draws needs it: none of apply's work
        result = dataclasses.replace(result,
                                     picture=picture_of(config, result, prepared, histories))
    done = clock.monotonic()
    timings = {"list": listed - started if listing_seconds is None else listing_seconds,
               "fetch": fetched - listed, "diff": done - fetched}
    if options.prerun:
        from reconciler.run.prerun import preview_installs, production_overwrites

        previews = await preview_installs(result, specs, clients, config.concurrency)
        listed_overwrites = production_overwrites(previews, settings.environment_kinds)
        result = dataclasses.replace(result, previews=previews,
                                     warnings=result.warnings + listed_overwrites)
        timings["prerun"] = clock.monotonic() - done
    # '/' on every platform: a plan saved on a Windows laptop applies in Linux CI.
    paths = tuple(p.replace(os.sep, "/") if os.sep != "/" else p for p in options.paths)
    return dataclasses.replace(result, timings=timings, paths=paths, flags=flags_of(options))


def flags_of(options: PlanOptions) -> PlanFlags:
    """The flags a plan records (``plan --prerun`` and PATHS are kept elsewhere)."""
    return PlanFlags(targets=tuple(options.targets), excludes=tuple(options.excludes),
                     replaces=tuple(sorted(set(options.replaces))),
                     reinstall=tuple(sorted(set(options.reinstall))), adopt=options.adopt,
                     allow_empty=options.allow_empty, force=options.force)


def options_of(flags: PlanFlags, paths: Sequence[str]) -> PlanOptions:
    """The options that make a plan with ``flags`` again (no pre-run: apply does its own)."""
    return PlanOptions(targets=flags.targets, excludes=flags.excludes,
                       replaces=flags.replaces, reinstall=flags.reinstall, adopt=flags.adopt,
                       allow_empty=flags.allow_empty, force=flags.force, paths=tuple(paths))


def package_files(config: Config, specs: Sequence[PackageSpec]) -> dict[str, str]:
    """Package name -> its file relative to the repository root (the config's directory),
    with '/' on every platform: what the HTML page links."""
    root = os.path.abspath(config.root)
    out = {}
    for spec in specs:
        if spec.origin is not None:
            path = os.path.relpath(os.path.abspath(spec.origin.file), root)
            out[spec.name] = path.replace(os.sep, "/")
    return out


def picture_of(config: Config, result: Plan, prepared: Preparation,
               histories: Mapping[str, Sequence[Installation]]) -> Matrix:
    """The promotion matrix of this plan (what the pull-request comment draws): the same
    cells as ``status``, from the histories the plan read (those of packages that declare
    installs)."""
    from reconciler.plan.matrix import matrix_of

    return matrix_of(result, prepared.desired, prepared.listing, histories, prepared.settings,
                     package_files(config, prepared.desired))


def make_plan(config: Config, paths: Sequence[str], options: PlanOptions, *,
              allow_simulator: bool = False, clock: Clock | None = None) -> Plan:
    """Read the package files and list the remote packages at the same time, then plan.

    The one listing request is sent before the files are read, and the reading pauses
    between files so the request makes progress (its round trip would otherwise be waited
    out doing nothing). What a broken run reports is unchanged: the files' problems come
    first, then the credentials and the service; a request that turns out to be unneeded is
    cancelled, and a listing is only a read. The embedded simulator is planned against in
    turn (:func:`plan_in_turn`).
    """
    clock = clock or RealClock()
    options = dataclasses.replace(options, paths=tuple(paths))
    check_reinstall(config, options)  # a typo fails before any request
    if config.environments[config.listing_environment()].is_simulator:
        return plan_in_turn(config, paths, options, allow_simulator=allow_simulator,
                            clock=clock)
    from reconciler.run.clients import open_clients

    files = load_settings(config)

    async def run() -> Plan:
        reading = False
        try:
            async with open_clients(config, allow_simulator=allow_simulator,
                                    clock=clock) as clients:
                api = clients[config.listing_environment()]  # reads its credentials
                listing = asyncio.ensure_future(timed(api.list_packages, clock))
                try:
                    reading = True
                    specs, load_seconds = await read_files(files, paths, clock)
                except BaseException:
                    listing.cancel()
                    await asyncio.gather(listing, return_exceptions=True)
                    raise
                remote, list_seconds = await listing
                result = await build_plan(config, specs, clients, options, clock,
                                          listing=remote, listing_seconds=list_seconds)
        except Exception:
            if not reading:  # the clients could not be opened: the files' problems come first
                await read_files(files, paths, clock)
            raise
        return dataclasses.replace(result, timings={"load": load_seconds, **result.timings})

    return asyncio.run(run())


def plan_in_turn(config: Config, paths: Sequence[str], options: PlanOptions, *,
                 allow_simulator: bool, clock: Clock) -> Plan:
    """Read the files, then list: for the embedded simulator, which has no round trip to
    hide and keeps its state in a file that a run stopped by bad input must not create."""
    from reconciler.desired.loader import load_packages
    from reconciler.run.clients import open_clients

    started = clock.monotonic()
    specs = list(load_packages(load_settings(config), list(paths)))
    load_seconds = clock.monotonic() - started

    async def run() -> Plan:
        async with open_clients(config, allow_simulator=allow_simulator,
                                clock=clock) as clients:
            return await build_plan(config, specs, clients, options, clock)

    result = asyncio.run(run())
    return dataclasses.replace(result, timings={"load": load_seconds, **result.timings})


# Files read between two turns of the event loop: the loop answers its sockets every few
# milliseconds, and a turn costs a few microseconds.
FILES_PER_TURN = 8


async def read_files(files: LoadSettings, paths: Sequence[str],
                     clock: Clock) -> tuple[list[PackageSpec], float]:
    """``load_packages`` in the event loop, letting the other tasks run between files:
    (specs, seconds), or ValidationFailed."""
    from reconciler.desired.loader import loading

    started = clock.monotonic()
    steps = loading(files, list(paths))
    done = 0
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return list(finished.value), clock.monotonic() - started
        done += 1
        if done % FILES_PER_TURN == 0:
            await asyncio.sleep(0)


async def timed(request: Callable[[], Awaitable[T]], clock: Clock) -> tuple[T, float]:
    """What ``request()`` returns and how long it took on ``clock``."""
    started = clock.monotonic()
    value = await request()
    return value, clock.monotonic() - started
