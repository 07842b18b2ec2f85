"""The simulator in-process: an httpx transport that serves the "simulator" environments.

Clients use the base URL ``http://simulator.local/<env>`` (``declared.SIMULATOR_ROOT``);
nothing listens on a socket.
"""

from __future__ import annotations

import os

import httpx

from reconciler.clock import Clock
from reconciler.errors import ConfigError
from reconciler.simulator.app import build_app
from reconciler.simulator.core import Simulator
from reconciler.simulator.factory import make_simulator
from reconciler.simulator.faults import FaultInjector, Faults
from reconciler.simulator.middleware import ConnectionDropped
from reconciler.simulator.profiles import wire_format
from reconciler.simulator.settings import EmbeddedSettings


class EmbeddedTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` over the simulator app, where a simulated connection drop
    surfaces as the same error a real dropped connection gives."""

    def __init__(self, simulator: Simulator, injector: FaultInjector, profile: str) -> None:
        self.simulator = simulator
        self.injector = injector
        self._inner = httpx.ASGITransport(app=build_app(simulator, wire_format(profile),
                                                        injector))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()


def embedded_transport(settings: EmbeddedSettings, *, clock: Clock | None = None,
                       state_path: str | None = None) -> httpx.AsyncBaseTransport:
    """An in-process transport serving the simulated environments of ``settings``.

    The state lives in ``settings.state`` unless ``state_path`` is given. Fault knobs come
    from ``WFPROMOTE_SIM_*`` variables.
    """
    try:
        faults = Faults.from_env(os.environ)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="see docs/simulator.md for the fault and "
                          "behaviour knobs") from None
    sim = make_simulator(state_path=state_path or settings.state,
                         environments=dict(settings.environments) or None, clock=clock,
                         assembly_seconds=settings.assembly_seconds,
                         install_seconds=settings.install_seconds, faults=faults)
    return EmbeddedTransport(sim, FaultInjector(faults), settings.profile)
