"""The example workflows, run step by step on examples/promotions: the Action's steps through
its entry point (what action.yml runs), against the embedded simulator (--allow-simulator)
and the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gitops_fakes import Forge, assert_token_only_in_auth, github_env
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "github"
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _job(workflow: str, job: str) -> dict[str, Any]:
    doc = YAML(typ="safe", pure=True).load((EXAMPLES / workflow).read_text())
    return dict(doc["jobs"][job])


class Runner:
    """Runs a job's steps the way a runner would, for the parts that matter here."""

    def __init__(self, env: dict[str, str], workdir: Path, token: str,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.env = env
        self.workdir = workdir
        self.token = token
        self.monkeypatch = monkeypatch
        self.outputs: dict[str, dict[str, str]] = {}
        self.uploaded: list[Path] = []
        self.codes: list[int] = []
        self.failed = False

    def expand(self, value: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr == "github.token":
                return self.token
            if expr.startswith("secrets."):
                return ""  # the simulator needs none; a fork would get none either
            if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
                return self.outputs.get(m.group(1), {}).get(m.group(2), "")
            raise AssertionError(f"unexpected expression {expr}")
        return EXPR.sub(one, value)

    def run_job(self, job: dict[str, Any], only: set[str] | None = None, *,
                fails: bool = False) -> list[str]:
        """Run the steps a runner would run (``if:`` and an earlier failure decide; ``only``
        runs the steps named, whatever their ``if:``); returns the names of the steps run.
        ``fails``: the job is expected to end failed."""
        self.failed = False
        ran = []
        for step in job["steps"]:
            if only is not None and step.get("id") not in only:
                continue
            if only is None and not self.wanted(step):
                continue
            ran.append(str(step.get("name") or step.get("id") or step.get("uses")))
            self.run_step(step)
        assert self.failed is fails, f"the job {'passed' if fails else 'failed'}: {ran}"
        return ran

    def wanted(self, step: dict[str, Any]) -> bool:
        """A step's ``if:``, for the few forms the examples use."""
        condition = str(step.get("if", "success()")).strip()
        if condition.startswith("${{") and condition.endswith("}}"):
            condition = condition[3:-2].strip()
        results = []
        for term in (t.strip() for t in condition.split("&&")):
            if term in ("!cancelled()", "always()"):
                results.append(True)
            elif term in ("success()", "failure()"):
                results.append(self.failed is (term == "failure()"))
            elif m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+) (==|!=) '(.*)'", term):
                value = self.outputs.get(m.group(1), {}).get(m.group(2), "")
                results.append((value == m.group(4)) is (m.group(3) == "=="))
            else:
                raise AssertionError(f"unexpected condition {term}")
        if not any(t in condition for t in ("!cancelled()", "always()", "failure()")):
            results.append(not self.failed)  # an implicit success()
        return all(results)

    def run_step(self, step: dict[str, Any]) -> None:
        uses = str(step.get("uses", ""))
        step_env = {k: self.expand(str(v)) for k, v in (step.get("env") or {}).items()}
        with_ = {k: self.expand(str(v)) for k, v in (step.get("with") or {}).items()}
        if uses.startswith("actions/checkout@"):
            return
        if uses.startswith("actions/upload-artifact@"):
            path = self.workdir / with_["path"]
            assert path.exists() or with_.get("if-no-files-found") == "warn", path
            self.uploaded.append(path)
            return
        output = self.workdir / f"output-{len(self.codes)}.txt"
        output.write_text("")
        env = {**self.env, **step_env, "GITHUB_OUTPUT": str(output)}
        if uses.startswith("OWNER/wfpromote@"):
            from reconciler.action import main

            inputs = {f"INPUT_{k.upper().replace('-', '_')}": v for k, v in with_.items()}
            with self.monkeypatch.context() as patch:
                for key, value in {**env, **inputs}.items():
                    patch.setenv(key, value)
                code = main()
        else:
            result = subprocess.run(["bash", "-e", "-c", self.expand(step["run"])],
                                    cwd=self.workdir, env={**os.environ, **env},
                                    capture_output=True, text=True, timeout=60)
            code = result.returncode
        self.codes.append(code)
        self.failed = self.failed or code != 0
        if step.get("id"):
            values = dict(line.split("=", 1) for line in output.read_text().splitlines()
                          if "=" in line)
            self.outputs[step["id"]] = values


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "promotions", repo,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    monkeypatch.chdir(repo)
    return repo


def _runner(forge: Forge, workdir: Path, tmp_path: Path, canary: str,
            monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> Runner:
    env = {**github_env(forge, tmp_path, **kwargs), "WFPROMOTE_ALLOW_SIMULATOR": "1"}
    del env["GITHUB_TOKEN"]  # only the steps that are given it have it
    return Runner(env, workdir, canary, monkeypatch)


def test_plan_job_validates_plans_uploads_and_comments(
        github: Forge, workdir: Path, tmp_path: Path, canary: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    runner = _runner(github, workdir, tmp_path, canary, monkeypatch)
    runner.run_job(_job("wfpromote-plan.yml", "validate"))
    runner.run_job(_job("wfpromote-plan.yml", "plan"))
    assert runner.outputs["plan"] == {"exit-code": "2", "has-changes": "true",
                                      "plan-path": "plan.json", "report-path": ""}
    assert runner.uploaded == [workdir / "plan.json"]
    [body] = github.bodies(7)
    assert "SIMULATOR" in body and "8 to create" in body
    # A second push: the same job updates the comment instead of adding one.
    runner.run_job(_job("wfpromote-plan.yml", "plan"))
    assert len(github.comments[7]) == 1
    out = capsys.readouterr()
    assert canary not in out.out + out.err + body
    assert_token_only_in_auth(github)


def test_fork_gets_validate_and_a_notice_not_a_failure(
        github: Forge, workdir: Path, tmp_path: Path, canary: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _job("wfpromote-plan.yml", "plan")
    notice = _job("wfpromote-plan.yml", "fork-notice")
    assert "head.repo.full_name == github.repository" in plan["if"]
    assert "head.repo.full_name != github.repository" in notice["if"]
    runner = _runner(github, workdir, tmp_path, canary, monkeypatch, fork=True)
    runner.run_job(_job("wfpromote-plan.yml", "validate"))
    runner.run_job(notice)
    assert "comes from a fork" in (tmp_path / "summary.md").read_text()
    # Even if the plan job ran with the read-only token of a fork, commenting is exit 0.
    github.read_only = True
    runner.run_job(plan)
    assert github.comments == {}


def test_drift_job_opens_then_closes_the_issue_and_apply_says_which_plan(
        github: Forge, workdir: Path, tmp_path: Path, canary: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    runner = _runner(github, workdir, tmp_path, canary, monkeypatch, number=None)
    drift = _job("wfpromote-drift.yml", "drift")
    runner.run_job(drift)
    assert runner.outputs["plan"]["has-changes"] == "true"
    [issue] = github.open_issues()
    assert "wfpromote-drift" in issue["labels"] and "8 to create" in issue["body"]

    # The reviewed plan is fresh: the apply job applies it as it is.
    apply = _job("wfpromote-apply.yml", "apply")
    (workdir / "reviewed").mkdir()
    shutil.copy(workdir / "plan.json", workdir / "reviewed" / "plan.json")
    capsys.readouterr()
    runner.run_job(apply, only={"apply-reviewed"})
    assert "reviewed plan reviewed/plan.json is still fresh" in capsys.readouterr().err
    assert runner.outputs["apply-reviewed"]["report-path"] == "report.json"

    runner.run_job(drift)
    assert github.open_issues() == [] and "No drift" in issue["notes"][0]
    assert runner.outputs["plan"]["has-changes"] == "false"

    # Someone changes a file after the review: the reviewed plan is stale, apply re-plans.
    shutil.copy(workdir / "plan.json", workdir / "reviewed" / "plan.json")
    form = workdir / "packages" / "people.yaml"
    form.write_text(form.read_text().replace("work with agency partners",
                                             "work with our agency partners"))
    runner.run_job(apply, only={"apply-reviewed"})
    err = capsys.readouterr().err
    assert "is stale" in err and "applying a new plan of the same files instead" in err
    runner.run_job(drift)
    assert github.open_issues() == []
    out = capsys.readouterr()
    assert canary not in out.out + out.err


def test_a_refused_plan_is_uploaded_and_posted_refusal_first_and_the_job_fails(
        github: Forge, workdir: Path, tmp_path: Path, canary: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "empty").mkdir()
    config = workdir / "wfpromote.yaml"
    config.write_text(config.read_text().replace("packages: packages/", "packages: empty/"))
    runner = _runner(github, workdir, tmp_path, canary, monkeypatch)
    ran = runner.run_job(_job("wfpromote-plan.yml", "plan"), fails=True)
    assert ran[1:] == ["plan", "upload the plan", "post the plan"]  # "result" is skipped
    assert runner.outputs["plan"]["exit-code"] == "1"
    assert runner.uploaded == [workdir / "plan.json"]
    [body] = github.bodies(7)
    assert body.splitlines()[1:2] == ["> [!CAUTION]"]
    assert body.splitlines()[2].startswith("> **Refused by the safety check")
    out = capsys.readouterr()
    assert canary not in out.out + out.err + body


def test_a_plan_that_cannot_be_made_posts_nothing_and_fails(
        github: Forge, workdir: Path, tmp_path: Path, canary: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "wfpromote.yaml").write_text("api: current\nowner: [oops\n")
    runner = _runner(github, workdir, tmp_path, canary, monkeypatch)
    assert runner.run_job(_job("wfpromote-plan.yml", "plan"), fails=True)[1:] == ["plan"]
    assert github.comments == {} and runner.uploaded == []
