"""Helpers for the API tests: recorded response shapes and a scripted MockTransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from reconciler.api.client import PromotionClient
from reconciler.api.transport import RetryPolicy
from reconciler.clock import FakeClock
from reconciler.domain.profiles import get_profile

RESPONSES = Path(__file__).parent / "responses"
ROOT = "https://acme.preview.workfront.com"
T = TypeVar("T")


def shape(name: str) -> Any:
    return json.loads((RESPONSES / name).read_text())


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """A MockTransport answering from a list of replies per (method, path suffix)."""

    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, suffix: str, *replies: Reply) -> Script:
        self.routes.setdefault((method, suffix), []).extend(replies)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        # A copy: auth flows re-send the same Request object with new headers.
        self.requests.append(httpx.Request(request.method, request.url,
                                           headers=request.headers.copy(),
                                           content=request.content))
        for (method, suffix), replies in self.routes.items():
            if request.method == method and request.url.path.endswith(suffix):
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if isinstance(reply, Exception):
                    raise reply
                if callable(reply):
                    return reply(request)
                return reply
        return httpx.Response(404, text="no route")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for r in self.requests
                   if r.method == method and r.url.path.endswith(suffix))


def json_reply(payload: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


def make_client(script: Script, profile: str = "current", *, auth: httpx.Auth | None = None,
                clock: FakeClock | None = None, retry: RetryPolicy | None = None,
                ) -> PromotionClient:
    prof = get_profile(profile)
    return PromotionClient("preview", prof.api_root(ROOT), prof, auth=auth,
                           transport=script.transport(), clock=clock or FakeClock(),
                           retry=retry or RetryPolicy(random=lambda: 0.0))
