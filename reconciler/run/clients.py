"""One ``PromotionAPI`` per configured environment, opened and closed together."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager

import httpx

from reconciler.api.auth import auth_from_config
from reconciler.api.client import PromotionClient
from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock
from reconciler.console import in_ci
from reconciler.domain.declared import Config, EnvironmentConfig
from reconciler.domain.profiles import get_profile
from reconciler.errors import WfpromoteError

# (environment name, its config) -> a transport to use instead of the network, or None.
TransportFactory = Callable[[str, EnvironmentConfig], httpx.AsyncBaseTransport | None]

_announced = False


def _announce_simulator(state: str) -> None:
    """Say loudly, once per run, that nothing real is being talked to."""
    global _announced
    if _announced:
        return
    _announced = True
    print("*" * 72, file=sys.stderr)
    print("* NOTICE: using the EMBEDDED SIMULATOR, not a real Workfront service.", file=sys.stderr)
    print(f"* Simulated state lives in {state}", file=sys.stderr)
    print("*" * 72, file=sys.stderr)


def reset_simulator_notice() -> None:
    """Let the next run announce the simulator again (tests, long-lived processes)."""
    global _announced
    _announced = False


@asynccontextmanager
async def open_clients(config: Config, *, allow_simulator: bool = False,
                       clock: Clock | None = None, environ: Mapping[str, str] | None = None,
                       transport_factory: TransportFactory | None = None,
                       ) -> AsyncIterator[Mapping[str, PromotionAPI]]:
    """Clients for every environment of ``config``, closed when the block exits."""
    env = os.environ if environ is None else environ
    profile = get_profile(config.api)
    simulated = [name for name, e in config.environments.items() if e.is_simulator]
    if simulated and in_ci(env) and not allow_simulator:
        raise WfpromoteError(
            f"environment(s) {', '.join(simulated)} use the embedded simulator, which is "
            "refused in CI", hint="if a simulated run is really wanted, pass --allow-simulator "
            "(wfpromote plan --allow-simulator) or set "
            "WFPROMOTE_ALLOW_SIMULATOR=1; otherwise give real urls")
    limits = httpx.Limits(max_connections=config.concurrency,
                          max_keepalive_connections=config.concurrency)
    sim_transport: httpx.AsyncBaseTransport | None = None

    def build(name: str) -> PromotionClient:
        nonlocal sim_transport
        env_config = config.environments[name]
        auth = auth_from_config(env_config.auth, env, name, clock=clock)
        transport = transport_factory(name, env_config) if transport_factory else None
        if env_config.is_simulator and transport is None:
            if sim_transport is None:
                from reconciler.run.settings import simulator_settings
                from reconciler.simulator.embedded import embedded_transport

                settings = simulator_settings(config)
                _announce_simulator(settings.state)
                sim_transport = embedded_transport(settings, clock=clock)
            transport = sim_transport
        return PromotionClient(name, profile.api_root(env_config.base_url(name)), profile,
                               auth=auth, transport=transport, timeout=config.timeouts.request,
                               clock=clock, limits=limits)

    clients = LazyClients(tuple(config.environments), build)
    try:
        yield clients
    finally:
        await clients.aclose()


class LazyClients(Mapping[str, PromotionAPI]):
    """Environment name -> client, each built (credentials read) on first use.

    A plan only talks to the listing environment, so it must not need the production
    credentials; an apply needs those of the environments it writes to, and no others.
    """

    def __init__(self, names: tuple[str, ...], build: Callable[[str], PromotionClient]) -> None:
        self._names = names
        self._build = build
        self._built: dict[str, PromotionClient] = {}

    def __getitem__(self, name: str) -> PromotionAPI:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._built:
            self._built[name] = self._build(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    async def aclose(self) -> None:
        for client in self._built.values():
            await client.aclose()
