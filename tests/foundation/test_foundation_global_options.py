"""Global options are accepted after the command too, as Terraform and kubectl users type them."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from reconciler.cli import hoist_global_options, run

ROOT = Path(__file__).parents[2]


def test_hoisting_moves_only_global_options() -> None:
    assert hoist_global_options(["plan", "--config", "x.yaml", "-vv", "--no-color",
                                 "--allow-simulator", "--out", "p.json", "a.yaml"]) == [
        "--config", "x.yaml", "-vv", "--no-color", "--allow-simulator",
        "plan", "--out", "p.json", "a.yaml"]
    assert hoist_global_options(["--config", "c", "apply", "--config=d"]) == [
        "--config", "c", "--config=d", "apply"]
    assert hoist_global_options(["apply", "--", "-v"]) == ["apply", "--", "-v"]
    assert hoist_global_options(["simulator", "reset", "--color"]) == [
        "--color", "simulator", "reset"]
    assert hoist_global_options(["--version"]) == ["--version"]


def test_options_after_the_command_take_effect(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "promotions", repo,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    monkeypatch.chdir(tmp_path)  # no wfpromote.yaml here: only --config can find it
    monkeypatch.setenv("CI", "true")  # the simulator then needs --allow-simulator
    config = str(repo / "wfpromote.yaml")
    assert run(["plan", "--config", config]) == 1
    assert "--allow-simulator" in capsys.readouterr().err
    assert run(["plan", "--config", config, "-v", "--no-color", "--allow-simulator"]) == 0
    out = capsys.readouterr().out
    assert "to create" in out and "\x1b[" not in out
    assert logging.getLogger("reconciler").level == logging.INFO
    assert run(["validate", f"--config={config}", "-vv"]) == 0
    assert logging.getLogger("reconciler").level == logging.DEBUG


def test_shell_completion_as_the_readme_documents_it() -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, _WFPROMOTE_COMPLETE="bash_source")
    script = subprocess.run([sys.executable, "-m", "reconciler"], env=env, text=True,
                            capture_output=True, check=True).stdout
    assert "_wfpromote_completion" in script and "complete " in script
    env = dict(os.environ, _WFPROMOTE_COMPLETE="bash_complete", COMP_WORDS="wfpromote re",
               COMP_CWORD="1")
    words = subprocess.run([sys.executable, "-m", "reconciler"], env=env, text=True,
                           capture_output=True, check=True).stdout.split()
    assert "plain,release" in words
    env["COMP_WORDS"], env["COMP_CWORD"] = "wfpromote show plan.json --format m", "4"
    words = subprocess.run([sys.executable, "-m", "reconciler"], env=env, text=True,
                           capture_output=True, check=True).stdout.split()
    assert words == ["plain,markdown"]
