"""The step behind action.yml: inputs from the environment, outputs to $GITHUB_OUTPUT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.action import build_argv, main, option_value, outputs, write_outputs


def test_inputs_become_argv_without_a_shell() -> None:
    argv = build_argv({"INPUT_COMMAND": "plan", "INPUT_ARGS": "--out 'my plan.json' $(id)",
                       "INPUT_CONFIG": "teams/a/wfpromote.yaml",
                       "INPUT_ALLOW_SIMULATOR": "true"})
    assert argv == ["--config", "teams/a/wfpromote.yaml", "--allow-simulator", "plan",
                    "--out", "my plan.json", "$(id)"]


@pytest.mark.parametrize("command", ["", "plan; rm -rf /", "--help", "PLAN"])
def test_a_bad_command_is_one_annotation(command: str) -> None:
    with pytest.raises(SystemExit, match="::error title=wfpromote::input 'command'"):
        build_argv({"INPUT_COMMAND": command})


def test_unbalanced_quotes_are_one_annotation() -> None:
    with pytest.raises(SystemExit, match="cannot be split"):
        build_argv({"INPUT_COMMAND": "plan", "INPUT_ARGS": "--out 'x"})


def test_option_values() -> None:
    assert option_value(["--out", "a.json"], "--out") == "a.json"
    assert option_value(["--out=b.json"], "--out") == "b.json"
    assert option_value(["--outx", "c"], "--out") is None


def test_outputs_from_a_saved_plan_and_a_report(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plan.json").write_text(json.dumps({"summary": {"create": 0, "unchanged": 3}}))
    Path("report.json").write_text("{}")
    assert outputs(["plan", "--out", "plan.json"], 0) == {
        "exit-code": "0", "has-changes": "false", "plan-path": "plan.json", "report-path": ""}
    Path("plan.json").write_text(json.dumps({"summary": {"delete": 1, "unchanged": 3}}))
    assert outputs(["apply", "--report", "report.json", "plan.json"], 1)["report-path"] == \
        "report.json"
    assert outputs(["plan", "--out", "plan.json"], 0)["has-changes"] == "true"
    assert outputs(["plan", "--detailed-exitcode"], 2)["has-changes"] == "true"
    assert outputs(["plan", "--detailed-exitcode"], 1)["has-changes"] == ""
    assert outputs(["plan", "--out", "missing.json"], 1)["plan-path"] == ""


def test_multiline_outputs_use_a_random_delimiter(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(str(out), {"a": "1", "b": "x\ny"})
    lines = out.read_text().splitlines()
    assert lines[0] == "a=1" and lines[1].startswith("b<<EOF_") and lines[-1] == \
        lines[1].split("<<")[1]


def test_exit_2_passes_the_step_only_under_detailed_exitcode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "promotions", repo,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    monkeypatch.chdir(repo)
    env = {"INPUT_COMMAND": "plan", "INPUT_ARGS": "--out plan.json --detailed-exitcode",
           "GITHUB_OUTPUT": str(tmp_path / "out")}
    assert main(env) == 0
    assert "exit-code=2\nhas-changes=true\nplan-path=plan.json\n" in (tmp_path / "out").read_text()
    assert main({**env, "INPUT_COMMAND": "validate", "INPUT_ARGS": "no-such-file.yaml"}) == 1


def test_replan_if_stale_needs_auto_approve(capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.cli import run

    assert run(["apply", "--replan-if-stale", "plan.json"]) == 1
    assert "needs --auto-approve" in capsys.readouterr().err
