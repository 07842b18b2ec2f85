"""SIGINT/SIGTERM from start to exit, and failed runs that still account for themselves.

* A signal while planning, at any point before the engine, or after the report is written
  ends the run with 130/143 and one line saying what was and was not done (never a bare
  kill, never a traceback).
* A failed run still writes ``--report`` and, with ``--format json``, prints one JSON object
  holding the error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, new_repo, package_doc

from reconciler.cli import run
from reconciler.simulator.faults import Faults
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]


def _cli(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(["--config", str(repo.config_path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def repo(sim_server: StartSim, tmp_path: Path) -> Repo:
    repo = new_repo(tmp_path, sim_server())
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding"))
    return repo


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_after_the_report_was_written(repo: Repo, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch, sig: int,
                                             code: int, tmp_path: Path) -> None:
    from reconciler.run import applying as session

    original = session._emit

    def emit_then_signal(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        os.kill(os.getpid(), sig)

    monkeypatch.setattr(session, "_emit", emit_then_signal)
    report = tmp_path / "report.json"
    got, out, err = _cli(capsys, repo, "apply", "--auto-approve", "--report", str(report))
    assert got == code, out + err
    name = signal.Signals(sig).name
    assert f"interrupted by {name} after the apply: 1 change(s) made; the report was " \
           f"printed and written to {report}" in err, err
    assert json.loads(report.read_text())["summary"]["applied"] == 1
    assert "Traceback" not in err
    assert len(repo.live("Agency Onboarding")) == 1


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_sigterm_while_planning_in_process(repo: Repo, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch,
                                           output_format: str, tmp_path: Path) -> None:
    from reconciler.run import applying as session

    original = session.build_plan

    async def plan_then_signal(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        return await original(*args, **kwargs)

    monkeypatch.setattr(session, "build_plan", plan_then_signal)
    report = tmp_path / "report.json"
    code, out, err = _cli(capsys, repo, "apply", "--auto-approve", "--format", output_format,
                          "--report", str(report))
    assert code == 143, out + err
    assert "interrupted by SIGTERM while planning: nothing was changed" in err, err
    assert repo.live("Agency Onboarding") == []
    data = json.loads(report.read_text())
    assert data["summary"]["interrupted"] == "SIGTERM" and data["summary"]["exit_code"] == 143
    if output_format == "json":
        assert json.loads(out) == data


def test_sigterm_during_plan_command_in_a_real_process(tmp_path: Path) -> None:
    from chaos import Rule, serve_chaos
    from relkit import RelRepo, doc

    with serve_chaos() as sim:
        chaos = sim.chaos
        assert chaos is not None
        repo = RelRepo(tmp_path, sim)
        repo.write_config()
        repo.put("a.json", doc("Agency Onboarding", ("New Agency Onboarding",)))
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
        for command in (["plan"], ["apply", "--auto-approve"]):
            chaos.set_rules([Rule("timeout", method="GET", times=20)])   # a slow listing
            seen = chaos.requests
            process = subprocess.Popen(
                [sys.executable, "-m", "reconciler", "--config", str(repo.config_path),
                 *command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, env=env)
            deadline = time.monotonic() + 20
            while chaos.requests == seen:   # the CLI is up and waiting on the listing
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
            assert process.returncode == 143, (command, out, err)
            assert "interrupted by SIGTERM while planning: nothing was changed" in err, err
            assert "Traceback" not in err
        chaos.set_rules([])
        assert [p for p in sim.state.list_packages() if p.name == "Agency Onboarding"] == []


def test_failed_run_prints_json_and_writes_the_report(
        repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo.sim.set_faults(Faults(error_rates={404: 1.0}))
    report = tmp_path / "report.json"
    code, out, err = _cli(capsys, repo, "apply", "--auto-approve", "--format", "json",
                          "--report", str(report))
    assert code == 1, out + err
    data = json.loads(out)
    assert data["summary"]["exit_code"] == 1 and data["results"] == []
    assert "HTTP 404" in data["error"]["message"] or "404" in json.dumps(data["error"])
    assert json.loads(report.read_text()) == data
    assert err.count("error:") == 1


def test_bad_config_still_gives_a_json_result(repo: Repo, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    repo.config_path.write_text("api: current\nowner: [\n", encoding="utf-8")
    report = tmp_path / "report.json"
    code, out, _ = _cli(capsys, repo, "apply", "--auto-approve", "--format", "json",
                        "--report", str(report))
    assert code == 1
    assert "wfpromote.yaml" in json.loads(out)["error"]["message"] + \
        json.dumps(json.loads(out)["error"])
    assert report.exists()
