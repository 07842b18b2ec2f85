"""Serving the simulator over real HTTP with uvicorn: in a thread (tests) or in the foreground.

Connections are served by a small subclass of uvicorn's h11 protocol that lets the app abort
the TCP connection, which is how "commit, then drop the connection" is simulated.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from reconciler.clock import Clock
from reconciler.domain.profiles import DEFAULT_PROFILE
from reconciler.simulator.app import build_app
from reconciler.simulator.core import Simulator
from reconciler.simulator.factory import make_simulator
from reconciler.simulator.faults import FaultInjector, Faults
from reconciler.simulator.middleware import ABORT_EXTENSION
from reconciler.simulator.profiles import wire_format


class AbortableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus a scope extension that aborts this connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        abort = transport.abort
        inner: ASGIApp = self.app

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            extensions = dict(scope.get("extensions") or {})
            extensions[ABORT_EXTENSION] = abort
            scope["extensions"] = extensions
            await inner(scope, receive, send)

        self.app = app


@dataclass
class SimulatorHandle:
    """A running simulator: its address, its live core, and its fault knobs."""

    host: str
    port: int
    profile: str
    state: Simulator
    injector: FaultInjector

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, env: str) -> str:
        """The base URL of one environment, e.g. http://127.0.0.1:PORT/sandbox."""
        return f"{self.base_url}/{env}"

    @property
    def faults(self) -> Faults:
        return self.injector.faults

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault and behaviour knobs (and restart the seeded random sequence)."""
        self.injector.reset(faults)
        self.state.behaviour = faults.behaviour
        self.state.fail_records = frozenset(faults.fail_records)


def uvicorn_config(app: ASGIApp, host: str, port: int, **kwargs: Any) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, http=AbortableH11Protocol, lifespan="off",
                          ws="none", **kwargs)


def bind_socket(host: str, port: int) -> socket.socket:
    """A bound socket, so that port 0 tells us the real port before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # And said outright: accepted sockets inherit it on Linux, so no small answer waits for
    # Nagle's algorithm whatever the event loop does.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _served_app(profile: str, *, state_path: str | None, environments: dict[str, str] | None,
                faults: Faults | None, clock: Clock | None, assembly_seconds: float,
                install_seconds: float) -> tuple[Simulator, FaultInjector, ASGIApp]:
    """The simulator core, its fault knobs and the app serving them, for either way of serving."""
    sim = make_simulator(state_path=state_path, environments=environments, clock=clock,
                         assembly_seconds=assembly_seconds, install_seconds=install_seconds,
                         faults=faults)
    injector = FaultInjector(faults)
    return sim, injector, build_app(sim, wire_format(profile), injector)


@contextlib.contextmanager
def serve_in_thread(*, profile: str = DEFAULT_PROFILE, state_path: str | None = None,
                    environments: dict[str, str] | None = None, faults: Faults | None = None,
                    clock: Clock | None = None, assembly_seconds: float = 0.0,
                    install_seconds: float = 0.0, host: str = "127.0.0.1",
                    port: int = 0) -> Iterator[SimulatorHandle]:
    """Run the simulator on a real socket in a background thread; stop it on exit."""
    sim, injector, app = _served_app(
        profile, state_path=state_path, environments=environments, faults=faults, clock=clock,
        assembly_seconds=assembly_seconds, install_seconds=install_seconds)
    with app_in_thread(app, host=host, port=port, name="wfpromote-simulator") as bound_port:
        yield SimulatorHandle(host, bound_port, profile, sim, injector)


@contextlib.contextmanager
def app_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0,
                  name: str = "asgi", **options: Any) -> Iterator[int]:
    """Serve any ASGI app on a real socket in a daemon thread; yields the bound port.

    The one way wfpromote and its tests run a server in the background (the simulator, the
    fakes of other APIs); it stops when the block exits.
    """
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    settings: dict[str, Any] = {"log_level": "critical", "access_log": False, **options}
    server = uvicorn.Server(uvicorn_config(app, host, bound_port, **settings))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"{name}-{bound_port}", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the {name} server failed to start")
            threading.Event().wait(0.005)
        yield bound_port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(*, profile: str, state_path: str | None, environments: dict[str, str] | None,
                  faults: Faults, assembly_seconds: float, install_seconds: float, host: str,
                  port: int, announce: Callable[[SimulatorHandle], None]) -> None:
    """Serve in the foreground until interrupted (``wfpromote simulator serve``)."""
    sim, injector, app = _served_app(
        profile, state_path=state_path, environments=environments, faults=faults, clock=None,
        assembly_seconds=assembly_seconds, install_seconds=install_seconds)
    sock = bind_socket(host, port)
    try:
        announce(SimulatorHandle(host, sock.getsockname()[1], profile, sim, injector))
        server = uvicorn.Server(uvicorn_config(app, host, sock.getsockname()[1],
                                               log_level="warning"))
        server.run(sockets=[sock])
    finally:
        sock.close()
