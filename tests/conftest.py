"""Shared fixtures. Tests never reach beyond 127.0.0.1 and never depend on the CI variables
of the machine that runs them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from reconciler.simulator.server import SimulatorHandle

CANARY = "wfp-canary-3f9c1b7e5d2a4c68"  # a fake secret that must never appear in any output


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "WFPROMOTE_CONFIG",
                 "WFPROMOTE_ALLOW_SIMULATOR", "RUNNER_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_simulator_notice() -> None:
    """Each test is its own "run": the embedded-simulator notice may be printed again."""
    from reconciler.run.clients import reset_simulator_notice

    reset_simulator_notice()


@pytest.fixture
def canary() -> str:
    return CANARY


@pytest.fixture
def sim_server() -> Iterator[Callable[..., SimulatorHandle]]:
    """A factory starting simulators on 127.0.0.1 (real uvicorn, port 0); all stop at the end.

    Takes the keyword arguments of ``reconciler.simulator.server.serve_in_thread``.
    """
    from reconciler.simulator.server import serve_in_thread

    with contextlib.ExitStack() as stack:
        def start(**kwargs: Any) -> SimulatorHandle:
            return stack.enter_context(serve_in_thread(**kwargs))

        yield start
