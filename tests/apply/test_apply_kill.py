"""An apply killed with SIGKILL while packages assemble; the next apply converges without
creating anything twice. And SIGTERM stops an apply cleanly with exit code 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import Repo, new_repo, package_doc

from reconciler.clock import RealClock
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]
NAMES = ("Agency Onboarding", "Campaign Kit")


def start_apply(repo: Repo) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--config", str(repo.config_path), "apply",
         "--auto-approve"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env)


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def assembling(repo: Repo) -> bool:
    return all(any(p.status == "ASSEMBLING" for p in repo.live(n)) for n in NAMES)


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_killed_mid_apply_then_run_again_converges(sim_server: StartSim, tmp_path: Path,
                                                   profile: str) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile, assembly_seconds=1.5))
    repo.put("a.yaml", package_doc(NAMES[0], "New Agency Onboarding", status="TESTING"),
             package_doc(NAMES[1], "Campaign Launch"))
    process = start_apply(repo)
    try:
        wait_until(lambda: assembling(repo))
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    code, out, err = repo.apply(clock=RealClock())
    assert code == 0, out + err
    assert "waiting for the earlier assembly" in err
    for name in NAMES:
        assert len(repo.live(name)) == 1, name
    assert repo.live(NAMES[0])[0].status == "TESTING"
    assert repo.live(NAMES[1])[0].status == "DRAFT"
    code, out, _ = repo.apply(output_format="json")
    assert code == 0 and '"results": []' in out


def test_sigterm_stops_cleanly_with_143(sim_server: StartSim, tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(assembly_seconds=2.0))
    repo.put("a.yaml", package_doc(NAMES[0], "New Agency Onboarding", status="TESTING"),
             package_doc(NAMES[1], "Campaign Launch"))
    process = start_apply(repo)
    wait_until(lambda: assembling(repo))
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 143, out + err
    assert "interrupted by SIGTERM" in out
    assert "SIGTERM received" in err
    code, out, err = repo.apply(clock=RealClock())
    assert code == 0, out + err
    assert [len(repo.live(n)) for n in NAMES] == [1, 1]
