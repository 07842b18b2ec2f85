"""The apply lock and the report (text, JSON, atomic file, redaction)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from apply_fakes import create

from reconciler.apply.lock import ApplyLock
from reconciler.apply.report import ActionResult, ApplyReport, Outcome
from reconciler.atomic_write import write_atomic
from reconciler.clock import FakeClock
from reconciler.errors import LockHeld
from reconciler.redact import register


def test_second_lock_refuses_and_names_the_holder(tmp_path: Path) -> None:
    with ApplyLock(tmp_path):
        with pytest.raises(LockHeld) as info:
            ApplyLock(tmp_path).acquire()
        assert f"pid {os.getpid()}" in info.value.message
        assert "--lock-timeout" in (info.value.hint or "")
    with ApplyLock(tmp_path):  # released: free again
        pass


def test_lock_waits_up_to_the_timeout(tmp_path: Path) -> None:
    clock = FakeClock()
    with ApplyLock(tmp_path), pytest.raises(LockHeld):
        ApplyLock(tmp_path, timeout=2.0, clock=clock).acquire()
    assert 1.9 <= sum(clock.sleeps) <= 2.01


def test_lock_of_a_killed_process_is_free(tmp_path: Path) -> None:
    # The child takes the lock, says so, then waits to be killed: while it lives the lock is
    # held (by its pid), and once SIGKILL ends it without any release the lock is free again.
    # (The child keeps a reference: a lock object that is garbage-collected lets go.)
    code = ("import sys; from reconciler.apply.lock import ApplyLock;"
            "lock = ApplyLock(sys.argv[1]); lock.acquire(); print('locked', flush=True);"
            "sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld) as info:
            ApplyLock(tmp_path).acquire()
        assert f"pid {child.pid} " in info.value.message
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    with ApplyLock(tmp_path):
        pass


def _report(canary: str) -> ApplyReport:
    return ApplyReport([
        ActionResult(create("Good One"), Outcome.APPLIED, package_id="p-1", duration=1.25),
        ActionResult(create("Bad One"), Outcome.FAILED, package_id="p-2",
                     error=f"POST failed: key {canary} refused", hint="check the key"),
        ActionResult(create("Later One"), Outcome.SKIPPED, error="not started"),
    ], duration=3.0)


def test_report_text_and_json_account_for_everything(canary: str) -> None:
    register(canary)
    report = _report(canary)
    assert report.exit_code == 1
    text = report.render_text()
    assert "Apply: 1 applied, 1 failed, 1 skipped" in text
    assert "Good One" in text and "p-2" in text and "hint: check the key" in text
    data = json.loads(report.to_json())
    assert data["summary"]["failed"] == 1 and data["summary"]["exit_code"] == 1
    assert [r["outcome"] for r in data["results"]] == ["applied", "failed", "skipped"]
    assert set(data["results"][0]) >= {"action", "name", "package_id", "outcome", "error",
                                       "duration"}
    assert canary not in text and canary not in report.to_json()


def test_write_atomic_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
