"""Fixtures of the compatibility suite: the independent fake on 127.0.0.1, a key in the
environment; the CLI runs on compat_repo.VirtualClock."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from compat_server import CompatHandle, Quirks, serve_compat


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
