"""Ctrl-C is announced once: the signal handler's notice, not also a WARNING log line."""

from __future__ import annotations

import logging

import pytest

from reconciler.apply.engine import ApplyEngine
from reconciler.clock import FakeClock


def test_request_stop_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    engine = ApplyEngine({}, default_env="sandbox", clock=FakeClock())
    with caplog.at_level(logging.INFO, logger="reconciler.apply"):
        engine.request_stop("SIGINT")
    assert engine.stopping
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("stop requested (SIGINT)" in r.getMessage() for r in caplog.records)
