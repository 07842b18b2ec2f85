"""``wfpromote status``: read what the promotion matrix is made from.

Read only: the package list and the installation history (E8) of each declared package
that exists, from the listing environment. The matrix itself is ``plan.matrix``; the
output formats are ``output.renderers.render_matrix``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock
from reconciler.domain.declared import Config, PackageSpec
from reconciler.plan.identity import match_packages
from reconciler.plan.matrix import matrix_of
from reconciler.plan.planner import plan
from reconciler.plan.promotion import Matrix
from reconciler.run.planning import PlanOptions, fetch_histories, package_files, plan_settings


async def read_matrix(config: Config, specs: Sequence[PackageSpec],
                      clients: Mapping[str, PromotionAPI], now: float | None = None) -> Matrix:
    api = clients[config.listing_environment()]
    remote = await api.list_packages()
    live = {m.remote.id for m in match_packages(specs, remote, config.owner)
            if m.remote is not None}
    histories = await fetch_histories(api, live, config.concurrency)
    settings = plan_settings(config, api, PlanOptions(), "", now)
    return matrix_of(plan(specs, remote, settings, histories), specs, remote, histories,
                     settings, package_files(config, specs))


def status_matrix(config: Config, *, allow_simulator: bool, clock: Clock) -> Matrix:
    from reconciler.desired.loader import load_packages
    from reconciler.run.clients import open_clients
    from reconciler.run.settings import load_settings

    specs = list(load_packages(load_settings(config), []))

    async def run() -> Matrix:
        async with open_clients(config, allow_simulator=allow_simulator,
                                clock=clock) as clients:
            return await read_matrix(config, specs, clients, clock.now())

    return asyncio.run(run())
