"""Shared fixtures. Tests never reach beyond 127.0.0.1 and never depend on the CI variables
of the machine that runs them."""

from __future__ import annotations

import pytest

CANARY = "wfp-canary-3f9c1b7e5d2a4c68"  # a fake secret that must never appear in any output


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "WFPROMOTE_CONFIG",
                 "WFPROMOTE_ALLOW_SIMULATOR", "RUNNER_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def canary() -> str:
    return CANARY
