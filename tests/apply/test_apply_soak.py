"""Soak gates end to end (issue 22 part 2), through the CLI against the simulator over HTTP
under both profiles, on one fake clock shared by the simulator and wfpromote: production is
blocked until preview has held the version for the soak time; status shows it soaking with
the time left; the next apply (a drift run's plan too) picks it up once it is due."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, new_repo, sid

from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.simulator.server import SimulatorHandle


def doc(after: list[Any]) -> dict[str, Any]:
    return {"name": "Campaign Launch", "source": "sandbox", "status": "ACTIVE",
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": sid("TMPL", "Campaign Launch")}]}],
            "install": [{"environment": "preview"},
                        {"environment": "production", "after": after}]}


def cli(repo: Repo, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        *args: str) -> tuple[int, str, str]:
    code = run(["--config", str(repo.config_path), *args], clock=clock)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cell(repo: Repo, clock: FakeClock, capsys: pytest.CaptureFixture[str],
         env: str) -> dict[str, Any]:
    code, out, _ = cli(repo, clock, capsys, "status", "--format", "json")
    assert code == 0
    [package] = json.loads(out)["packages"]
    return dict(package["cells"][env])


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_production_waits_for_the_soak(profile: str,
                                       sim_server: Callable[..., SimulatorHandle],
                                       tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    repo = new_repo(tmp_path, sim_server(profile=profile, clock=clock))
    repo.put("launch.yaml", doc([{"environment": "preview", "soak": "4h"}]))

    code, out, _ = repo.apply(clock=clock)
    assert code == 0, out
    assert cell(repo, clock, capsys, "preview")["state"] == "installed"
    production = cell(repo, clock, capsys, "production")
    assert production["state"] == "soaking"
    assert production["reason"] == "soaking in preview: 4h left of 4h"   # rounded up

    clock.advance(3_600)
    production = cell(repo, clock, capsys, "production")
    assert production["reason"] == "soaking in preview: 3h left of 4h"
    code, markdown, _ = cli(repo, clock, capsys, "status", "--format", "markdown")
    assert "soaking in preview: 3h" in markdown and ":::soaking" in markdown
    code, out, _ = cli(repo, clock, capsys, "plan", "--detailed-exitcode")
    assert code == 2 and "soaking in preview: 4h from its install there at 20" in out
    # a plan saved while soaking is still the plan half an hour later: apply takes it
    saved = tmp_path / "plan.json"
    assert cli(repo, clock, capsys, "plan", "--out", str(saved))[0] == 0
    clock.advance(1_800)
    code, out, err = cli(repo, clock, capsys, "apply", "--auto-approve", str(saved))
    assert code == 0, out + err
    assert "1 blocked" in out
    code, out, _ = repo.apply(clock=clock)    # too early: nothing is installed
    assert code == 0, out
    assert cell(repo, clock, capsys, "production")["installation_id"] is None
    assert cell(repo, clock, capsys, "production")["state"] == "soaking"

    clock.advance(3 * 3_600 + 60)
    assert cell(repo, clock, capsys, "production")["state"] == "pending"
    # the plan saved while soaking said "blocked": now it is not that plan any more
    code, out, err = cli(repo, clock, capsys, "apply", "--auto-approve", str(saved))
    assert code == 1 and "does not match the plan its package files make" in out + err
    code, out, _ = repo.apply(clock=clock)
    assert code == 0, out
    assert cell(repo, clock, capsys, "production")["state"] == "installed"
    code, out, _ = cli(repo, clock, capsys, "plan", "--detailed-exitcode")
    assert code == 0, out


@pytest.mark.parametrize(("after", "message", "where"), [
    ([{"environment": "preview", "soak": "4 hours"}], "is not a duration",
     "$.install[1].after[0].soak"),
    ([{"environment": "preview", "soak": "400d"}], "longer than a year",
     "$.install[1].after[0].soak"),
    ([{"environment": "preview"}], "missing required key 'soak'", "$.install[1].after[0]"),
    ([{"environment": "preveiw", "soak": "1h"}], "not installed earlier",
     "$.install[1].after[0]"),
])
def test_bad_soaks_are_located(after: list[Any], message: str, where: str,
                               sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server())
    repo.put("launch.yaml", doc(after))
    code, out, err = cli(repo, FakeClock(), capsys, "validate")
    assert code == 1
    text = out + err
    assert message in text and f"(at {where})" in text and "launch.yaml:" in text
    assert "Traceback" not in text
