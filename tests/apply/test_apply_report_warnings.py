"""The plan's warnings are repeated after the apply report, in text and in JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import Repo, new_repo, package_doc

from reconciler.apply.report import ApplyReport
from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]


@pytest.fixture
def repo(sim_server: StartSim, tmp_path: Path) -> Repo:
    repo = new_repo(tmp_path, sim_server())
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding"))
    return repo


def cli(repo: Repo, *args: str) -> int:
    return run(["--config", str(repo.config_path), *args])


def test_text_report_ends_with_the_plan_warnings(repo: Repo,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(repo, "apply", "--auto-approve", "--target", "Agency*",
               "--target", "Agency*X") == 0
    out = capsys.readouterr().out
    report = out[out.index("Apply: 1 applied"):]
    assert report.rstrip().splitlines()[-3:] == [
        "Warnings:",
        "  - partial plan: only packages matching 'Agency*', 'Agency*X' are considered; "
        "every other package is left as it is",
        "  - --target 'Agency*X' matches no package"]


def test_json_report_carries_the_warnings(repo: Repo,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(repo, "apply", "--auto-approve", "--format", "json",
               "--target", "Nope*") == 0
    data = json.loads(capsys.readouterr().out)
    assert "--target 'Nope*' matches no package" in data["warnings"]


def test_no_warnings_no_block_and_an_empty_list() -> None:
    report = ApplyReport()
    assert "Warnings" not in report.render_text()
    assert report.data()["warnings"] == []


def test_warning_text_is_kept_free_of_control_characters() -> None:
    report = ApplyReport(warnings=["package 'a\x1b[31mb' is odd"])
    assert "\x1b" not in report.render_text() and "\\x1b" in report.render_text()
