"""The I/O around the pure planner: load, list once, fetch only what the list cannot tell.

``make_plan`` is what the ``plan`` command calls; ``build_plan`` is the async part, given
open clients, which ``apply`` (it keeps the clients open to apply the plan) and tests reuse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock, RealClock
from reconciler.domain.declared import Config, PackageSpec
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.plan.model import Plan
from reconciler.plan.planner import needs_detail, needs_history, plan
from reconciler.plan.readings import Readings
from reconciler.plan.settings import PlanSettings

log = logging.getLogger(__name__)


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


PARTIAL_REASON = ("the given PATHS do not cover the packages folder; only a run over the "
                  "whole folder disables or deletes packages that are not declared")


def environment_urls(config: Config) -> dict[str, str]:
    """Environment name -> the URL sent as a package ``source``."""
    return {name: env.base_url(name) for name, env in config.environments.items()}


def plan_settings(config: Config, api: PromotionAPI, options: PlanOptions,
                  digest: str) -> PlanSettings:
    from reconciler.desired.loader import covers_packages

    complete = covers_packages(config, options.paths)
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
        reinstall=frozenset(options.reinstall))


async def fetch_details(api: PromotionAPI, remote: Sequence[RemotePackage], ids: set[str],
                        concurrency: int) -> list[RemotePackage]:
    """The listing with the packages named by ``ids`` replaced by their full records."""
    if not ids:
        return list(remote)
    gate = asyncio.Semaphore(concurrency)

    async def one(package_id: str) -> RemotePackage:
        async with gate:
            return await api.get_package(package_id)

    order = sorted(ids)
    fetched = dict(zip(order, await asyncio.gather(*(one(i) for i in order)), strict=True))
    return [fetched.get(p.id, p) for p in remote]


async def fetch_histories(api: PromotionAPI, ids: set[str],
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
                     clock: Clock, listing: Sequence[RemotePackage] | None = None) -> Plan:
    """The plan of ``specs``; ``listing``: the package list when the caller has just read
    it (``import --adopt``), else it is listed here."""
    api = clients[config.listing_environment()]
    from reconciler.desired.loader import declared_digest

    check_reinstall(config, options)  # a typo fails before any request
    settings = plan_settings(config, api, options, declared_digest(specs))
    started = clock.monotonic()
    remote = list(listing) if listing is not None else await api.list_packages()
    listed = clock.monotonic()
    readings = Readings()  # each package's marker, status, ... read once for the three calls
    wanted = needs_detail(specs, remote, settings, readings)
    if wanted:
        log.info("fetching %d package(s) the listing cannot decide about", len(wanted))
    history_ids = needs_history(specs, remote, settings, readings)
    details, histories = await asyncio.gather(
        fetch_details(api, remote, wanted, config.concurrency),
        fetch_histories(api, history_ids, config.concurrency))
    fetched = clock.monotonic()
    result = plan(specs, details, settings, histories, readings)
    done = clock.monotonic()
    timings = {"list": listed - started, "fetch": fetched - listed, "diff": done - fetched}
    if options.prerun:
        from reconciler.run.prerun import preview_installs

        previews = await preview_installs(result, specs, clients, config.concurrency)
        result = dataclasses.replace(result, previews=previews)
        timings["prerun"] = clock.monotonic() - done
    # '/' on every platform: a plan saved on a Windows laptop applies in Linux CI.
    paths = tuple(p.replace(os.sep, "/") if os.sep != "/" else p for p in options.paths)
    return dataclasses.replace(result, timings=timings, paths=paths)


def make_plan(config: Config, paths: Sequence[str], options: PlanOptions, *,
              allow_simulator: bool = False, clock: Clock | None = None) -> Plan:
    """Load the package files, then plan against the listing environment."""
    from reconciler.desired.loader import load_packages
    from reconciler.run.clients import open_clients

    clock = clock or RealClock()
    started = clock.monotonic()
    specs = list(load_packages(config, list(paths)))
    options = dataclasses.replace(options, paths=tuple(paths))
    load_seconds = clock.monotonic() - started

    async def run() -> Plan:
        async with open_clients(config, allow_simulator=allow_simulator,
                                clock=clock) as clients:
            return await build_plan(config, specs, clients, options, clock)

    result = asyncio.run(run())
    timings = {"load": load_seconds, **result.timings}
    return dataclasses.replace(result, timings=timings)
