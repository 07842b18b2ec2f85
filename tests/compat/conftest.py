"""Fixtures of the compatibility suite: the independent fake on 127.0.0.1, a key in the
environment, and a clock that makes the real CLI's waits virtual."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from compat_server import CompatHandle, Quirks, serve_compat

from reconciler.clock import RealClock


@pytest.fixture(autouse=True)
def _virtual_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI runs on RealClock; make its sleeps (retries, polling) advance a virtual offset
    instead of wall time, so the suite stays fast without touching the code under test."""
    skew = {"offset": 0.0}

    async def sleep(self: RealClock, seconds: float) -> None:
        skew["offset"] += max(0.0, seconds)
        await asyncio.sleep(0.001)

    def monotonic(self: RealClock) -> float:
        return time.monotonic() + skew["offset"]

    monkeypatch.setattr(RealClock, "sleep", sleep)
    monkeypatch.setattr(RealClock, "monotonic", monotonic)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch, canary: str) -> None:
    monkeypatch.setenv("WF_KEY", canary)


@pytest.fixture
def compat(canary: str) -> Iterator[Callable[..., CompatHandle]]:
    """Start fakes: ``compat(**quirks)``; the key the fake expects is the canary."""
    with contextlib.ExitStack() as stack:
        def start(**quirks: Any) -> CompatHandle:
            quirks.setdefault("api_key", canary)
            return stack.enter_context(serve_compat(Quirks(**quirks)))

        yield start
