"""ASGI middleware that injects the configured faults around the simulator's routes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.clock import Clock
from reconciler.simulator.faults import FaultInjector

# Scope key of a list a handler appends to when its response must be lost after commit.
DROP_KEY = "wfpromote.drop"
# Scope extension the threaded server provides: aborts the TCP connection at once.
ABORT_EXTENSION = "wfpromote.abort"


class ConnectionDropped(Exception):
    """The simulator committed a write and then dropped the connection (in-process mode)."""


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector, clock: Clock) -> None:
        self.app = app
        self.injector = injector
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults = self.injector.faults
        if faults.latency_ms > 0:
            await self.clock.sleep(faults.latency_ms / 1000.0)
        status = self.injector.error_for()
        if status is not None:
            await _send_fault(send, status, faults.retry_after)
            return
        drop: list[bool] = []
        scope[DROP_KEY] = drop

        async def guarded_send(message: Message) -> None:
            if not drop:  # once a drop is decided nothing more reaches the client
                await send(message)

        await self.app(scope, receive, guarded_send)
        if drop:
            abort: Callable[[], None] | None = scope.get("extensions", {}).get(ABORT_EXTENSION)
            if abort is None:
                raise ConnectionDropped("simulated connection drop after commit")
            abort()
            # Let the server see the connection is gone before it tries to answer 500.
            await asyncio.sleep(0)
            await asyncio.sleep(0)


async def _send_fault(send: Send, status: int, retry_after: float) -> None:
    body = json.dumps({"error": {"message": f"simulated HTTP {status}"}}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", _seconds(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
