"""Ctrl-C (SIGINT) mid-apply in a real process: nothing new is started, the requests in
flight finish, the report is printed, the exit code is 130, and a rerun converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from apply_sim import Repo, new_repo, package_doc

from reconciler.clock import RealClock
from reconciler.simulator.server import SimulatorHandle

NAMES = ("Agency Onboarding", "Campaign Kit")


def assembling(repo: Repo) -> bool:
    return all(any(p.status == "ASSEMBLING" for p in repo.live(n)) for n in NAMES)


def test_sigint_stops_cleanly_with_130_and_a_report(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(assembly_seconds=2.0))
    repo.put("a.yaml", package_doc(NAMES[0], "New Agency Onboarding", status="TESTING"),
             package_doc(NAMES[1], "Campaign Launch"))
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--config", str(repo.config_path), "apply",
         "--auto-approve"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 15
        while not assembling(repo):
            assert time.monotonic() < deadline, "the apply never started assembling"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, out + err
    assert "SIGINT received" in err and "Traceback" not in err
    assert "interrupted by SIGINT" in out and "Apply:" in out
    code, out, err = repo.apply(clock=RealClock())
    assert code == 0, out + err
    assert [len(repo.live(n)) for n in NAMES] == [1, 1]
