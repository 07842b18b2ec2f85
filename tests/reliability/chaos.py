"""Faults on the wire, in front of the simulator: an ASGI middleware served by real uvicorn on
127.0.0.1, so the client meets them as it would meet a broken network or gateway.

Kinds (``KINDS``):

* ``429`` (with ``Retry-After: 1``), ``500``, ``502``, ``503``, ``504``: answered instead of
  handling the request (nothing committed);
* ``html``: a 502 gateway error page in HTML;
* ``timeout``: the answer comes after the client's request timeout; the request *is* handled
  (committed) late;
* ``reset_before``: the connection is aborted before the request is handled;
* ``reset_after``: the request is handled (committed), then the connection is aborted;
* ``malformed``: handled, then answered 200 with half of its JSON;
* ``truncated``: handled, then the body is cut off mid-way (Content-Length says more);
* ``unknown_status``: handled, and every package status in the answer becomes an unknown
  value (``QUARANTINED``);
* ``expire_token``: the bearer token in use is revoked and the request answered 401 (the
  client must renew it at the token endpoint the middleware serves, and repeat).
* ``late_commit`` (not in ``KINDS``; give it a rule of its own): the request is held without
  an answer and handled (committed) ``Chaos.late_hold`` seconds later on the server's clock,
  long after the client gave up; the connection is then dropped. With a FakeClock the commit
  happens before the first request that arrives once the clock has passed the hold, so it is
  deterministic: the client only sees it if it looks again late enough.

Every injection is counted in ``Chaos.injected``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from reconciler.simulator.middleware import ABORT_EXTENSION
from reconciler.simulator.server import (
    SimulatorHandle,
    _served_app,
    bind_socket,
    uvicorn_config,
)

KINDS = ("429", "500", "502", "503", "504", "html", "timeout", "reset_before", "reset_after",
         "malformed", "truncated", "unknown_status", "expire_token")
STATUS_KINDS = {"429": 429, "500": 500, "502": 502, "503": 503, "504": 504}
TOKEN_PATH = "/ims/token/v3"
REQUEST_TIMEOUT = 0.4      # the timeouts.request the repositories of this suite use
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
             b"<h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>")


@dataclass
class Rule:
    """Inject ``kind`` into matching requests: at most ``times``, each with ``probability``."""

    kind: str
    method: str | None = None           # e.g. "POST"; None: any
    path: str | None = None             # a regex searched in the path; None: any
    times: int = 1
    probability: float = 1.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and \
            (self.path is None or re.search(self.path, path) is not None)


@dataclass
class Chaos:
    app: Any
    seed: int = 0
    rules: list[Rule] = field(default_factory=list)
    tokens: bool = False                 # require a bearer token from the token endpoint
    injected: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    clock: Any = None                    # the server's clock (None: wall time)
    late_hold: float = 4.0               # seconds a late_commit request is held

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._token_serial = 0
        self.token_requests = 0
        self._held: list[_Held] = []
        self.paths: list[str] = []       # "METHOD /path" of every request, in order
        self.late_commits = 0            # held requests committed so far

    def _now(self) -> float:
        import time

        return self.clock.now() if self.clock is not None else time.time()

    async def _commit(self, held: _Held) -> None:
        if held.done:
            return
        held.done = True
        self.late_commits += 1
        await _capture(self.app, held.scope, _replay(held.body))

    async def _commit_due(self) -> None:
        """Commit the held requests whose time has come, before handling another one."""
        now = self._now()
        for held in list(self._held):
            if held.due <= now:
                self._held.remove(held)
                await self._commit(held)

    def set_rules(self, rules: list[Rule], seed: int | None = None) -> None:
        with self._lock:
            self.rules = list(rules)
            if seed is not None:
                self._rng = random.Random(seed)

    @property
    def token(self) -> str:
        return f"chaos-token-{self._token_serial}"

    def _decide(self, method: str, path: str) -> str | None:
        with self._lock:
            self.requests += 1
            for rule in self.rules:
                if rule.times > 0 and rule.matches(method, path) and \
                        self._rng.random() < rule.probability:
                    if rule.kind == "expire_token" and not self.tokens:
                        continue
                    rule.times -= 1
                    self.injected[rule.kind] += 1
                    return rule.kind
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if self.tokens and path == TOKEN_PATH:
            await _drain(receive)
            with self._lock:
                self.token_requests += 1
                token = self.token
            await _reply(send, 200, json.dumps({"access_token": token, "token_type": "bearer",
                                                "expires_in": 3600}).encode())
            return
        if self.tokens:
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization", b"").decode()
            if given != f"Bearer {self.token}":
                await _drain(receive)
                await _reply(send, 401, b'{"error": {"message": "token expired"}}')
                return
        self.paths.append(f"{method} {path}")
        await self._commit_due()
        kind = self._decide(method, path)
        abort = (scope.get("extensions") or {}).get(ABORT_EXTENSION)
        if kind == "late_commit":
            held = _Held(scope, await _read_body(receive), self._now() + self.late_hold)
            self._held.append(held)
            while not held.done and self._now() < held.due:
                await asyncio.sleep(0.005)
            if held in self._held:
                self._held.remove(held)
            await self._commit(held)
            if abort is not None:
                abort()
                await asyncio.sleep(0)
                await asyncio.sleep(0)
            return
        if kind in STATUS_KINDS:
            await _drain(receive)
            extra = [(b"retry-after", b"1")] if kind == "429" else []
            await _reply(send, STATUS_KINDS[kind], b'{"error": {"message": "chaos"}}', extra)
            return
        if kind == "html":
            await _drain(receive)
            await _reply(send, 502, HTML_PAGE, content_type=b"text/html")
            return
        if kind == "expire_token":
            with self._lock:
                self._token_serial += 1       # the token the client holds is now dead
            await _drain(receive)
            await _reply(send, 401, b'{"error": {"message": "token expired"}}')
            return
        if kind == "reset_before" and abort is not None:
            abort()
            return
        if kind == "timeout":
            await asyncio.sleep(REQUEST_TIMEOUT + 0.3)
        status, headers, body = await _capture(self.app, scope, receive)
        if kind == "reset_after" and abort is not None:
            abort()
            return
        if kind == "malformed":
            await _reply(send, status, body[: max(1, len(body) // 2)])
            return
        if kind == "truncated" and abort is not None and len(body) > 2:
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body[: len(body) // 2],
                        "more_body": True})
            abort()
            return
        if kind == "unknown_status":
            body = re.sub(rb'"status":"[A-Z_]+"', b'"status":"QUARANTINED"', body)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
        with contextlib.suppress(Exception):   # a timed-out client may be gone
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})


@dataclass
class _Held:
    scope: dict[str, Any]
    body: bytes
    due: float
    done: bool = False


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _drain(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _capture(app: Any, scope: dict[str, Any], receive: Any
                   ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks)


async def _reply(send: Any, status: int, body: bytes,
                 extra: list[tuple[bytes, bytes]] | None = None,
                 content_type: bytes = b"application/json") -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
               *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass
class ChaosHandle(SimulatorHandle):
    chaos: Chaos | None = None


@contextlib.contextmanager
def serve_chaos(*, profile: str = "current", seed: int = 0, tokens: bool = False,
                assembly_seconds: float = 0.0, clock: Any = None,
                install_seconds: float = 0.0) -> Iterator[ChaosHandle]:
    """The simulator behind a Chaos middleware, served on 127.0.0.1 in a thread."""
    sim, injector, app = _served_app(
        profile, state_path=None, environments=None, faults=None, clock=clock,
        assembly_seconds=assembly_seconds, install_seconds=install_seconds)
    chaos = Chaos(app, seed=seed, tokens=tokens, clock=clock)
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(chaos, "127.0.0.1", port, log_level="critical",
                                           access_log=False, timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"chaos-{port}")
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the chaos server failed to start")
            threading.Event().wait(0.005)
        yield ChaosHandle("127.0.0.1", port, profile, sim, injector, chaos)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
