"""`wfpromote release NAME` hands a package back without disabling it; `wfpromote show PLAN`
renders a saved plan offline. Through the CLI on the embedded simulator."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from support.repos import ALL_ENVIRONMENTS, simulator_config

from reconciler.cli import run

ROOT = Path(__file__).parents[2]
CONFIG = simulator_config(*ALL_ENVIRONMENTS, settings=(
    "simulator: {assembly_seconds: 0, install_seconds: 0}\n"))
NAME = "Agency Groups and Roles"  # declared in packages/people.yaml


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "promotions", root,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    (root / "wfpromote.yaml").write_text(CONFIG)
    monkeypatch.chdir(root)
    assert run(["apply", "--auto-approve"]) == 0
    capsys.readouterr()
    return root


def test_release_removes_the_marker_and_nothing_else(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["release", NAME]) == 1  # no terminal, no --yes
    assert "--yes" in capsys.readouterr().err
    assert run(["release", NAME, "--yes"]) == 0
    out, err = capsys.readouterr()
    assert f"~ {NAME}  release" in out and "Release complete: 1 package(s)" in out
    assert f"'{NAME}' is still declared in packages/people.yaml:2" in err
    # the package is no longer ours: a plan over the files refuses it, ...
    assert run(["plan"]) == 1
    assert "not managed by owner" in capsys.readouterr().err
    # ... and once its declaration is gone, nothing disables it; it is still live
    (repo / "packages" / "people.yaml").unlink()
    assert run(["plan", "--detailed-exitcode"]) == 0
    assert "No changes." in capsys.readouterr().out


def test_release_asks_and_a_no_changes_nothing(
        repo: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("reconciler.run.releasing.is_terminal", lambda stream=None: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert run(["release", NAME]) == 1
    assert "release cancelled: nothing was changed" in capsys.readouterr().err
    assert run(["plan", "--detailed-exitcode"]) == 0  # still ours and unchanged
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert run(["release", NAME]) == 0
    assert "Released" in capsys.readouterr().out


def test_release_of_an_unknown_name_suggests(repo: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["release", "Agency Groups", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "no live package named 'Agency Groups' is managed" in err
    assert f"did you mean '{NAME}'" in err


def test_show_renders_a_saved_plan_offline(repo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "packages" / "people.yaml").unlink()
    assert run(["plan", "--out", "plan.json"]) == 0
    printed = capsys.readouterr().out
    # offline: no configuration is read, no API is contacted
    (repo / "wfpromote.yaml").unlink()
    assert run(["show", "plan.json"]) == 0
    assert capsys.readouterr().out == printed
    assert run(["show", "plan.json", "--format", "markdown"]) == 0
    assert "### wfpromote plan" in capsys.readouterr().out
    assert run(["show", "plan.json", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == json.loads((repo / "plan.json").read_text())
    (repo / "cut.json").write_text((repo / "plan.json").read_text()[:200])
    assert run(["show", "cut.json"]) == 1
    assert "cut.json:" in capsys.readouterr().err
    assert run(["show", "packages/approvals.yaml"]) == 1
    assert "not a saved plan" in capsys.readouterr().err


def test_a_saved_plan_mixed_with_package_paths_is_refused_clearly(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "--out", "reviewed.txt"]) == 0  # any name: judged by content
    capsys.readouterr()
    assert run(["apply", "reviewed.txt", "packages/people.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 1
    assert "reviewed.txt is a saved plan; it cannot be given together with other paths" in err
    assert run(["apply", "reviewed.txt"]) == 0
    assert "No changes." in capsys.readouterr().out
