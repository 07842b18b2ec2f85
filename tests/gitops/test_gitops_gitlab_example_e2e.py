"""examples/gitlab/.gitlab-ci.yml run job by job as a GitLab runner would (each job's script
in one bash shell that stops at the first failing line), with the installed ``wfpromote`` on
PATH, against the embedded simulator and the fake GitLab API on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitops_fakes import Forge, assert_token_only_in_auth, gitlab_env
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
GITHUB_WORDS = ("pull request", "pull_request", "job summary", "GITHUB_", "--pr ")


def _jobs() -> dict[str, Any]:
    return dict(YAML(typ="safe", pure=True).load(PIPELINE.read_text(encoding="utf-8")))


class GitLabRunner:
    def __init__(self, forge: Forge, workdir: Path, *, iid: int | None) -> None:
        env = gitlab_env(forge, iid=iid, token_env="WFPROMOTE_GITLAB_TOKEN")
        variables = {k: str(v) for k, v in _jobs()["variables"].items()}
        bindir = str(Path(sys.executable).parent)  # the installed wfpromote
        self.env = {**os.environ, **variables, **env, "WFPROMOTE_ALLOW_SIMULATOR": "1",
                    "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
        self.workdir = workdir
        self.output = ""

    def run(self, name: str, **variables: str) -> int:
        job = _jobs()[name]
        script = "set -eo pipefail\n" + "\n".join(job["script"]) + "\n"
        result = subprocess.run(["bash", "-c", script], cwd=self.workdir,
                                env={**self.env, **variables}, capture_output=True, text=True,
                                timeout=120)
        self.output += result.stdout + result.stderr
        return result.returncode


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "promotions", repo,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    return repo


def test_plan_job_posts_one_note_and_keeps_the_plan(gitlab: Forge, workdir: Path,
                                                    canary: str) -> None:
    job = _jobs()["plan"]
    assert "merge_request_event" in job["rules"][0]["if"]
    assert job["artifacts"]["when"] == "always"
    runner = GitLabRunner(gitlab, workdir, iid=5)
    assert runner.run("plan", CI_PIPELINE_SOURCE="merge_request_event") == 0
    assert runner.run("plan", CI_PIPELINE_SOURCE="merge_request_event") == 0
    [note] = gitlab.bodies(5)
    assert "8 to create" in note and "SIMULATOR" in note
    assert (workdir / "plan.json").is_file()
    assert "Created the plan comment" in runner.output
    assert "The plan comment is already up to date" in runner.output
    for word in GITHUB_WORDS:
        assert word not in runner.output
    assert canary not in runner.output + note
    assert_token_only_in_auth(gitlab)


def test_a_refused_plan_is_posted_refusal_first_and_the_job_fails(
        gitlab: Forge, workdir: Path) -> None:
    (workdir / "empty").mkdir()
    config = workdir / "wfpromote.yaml"
    config.write_text(config.read_text().replace("packages: packages/", "packages: empty/"))
    runner = GitLabRunner(gitlab, workdir, iid=5)
    assert runner.run("plan") == 1
    [note] = gitlab.bodies(5)
    assert note.splitlines()[1] == "> [!CAUTION]"
    assert note.splitlines()[2].startswith("> **Refused by the safety check")
    assert (workdir / "plan.json").is_file()  # kept: artifacts when: always
    for word in GITHUB_WORDS:
        assert word not in runner.output


def test_a_plan_that_cannot_be_made_posts_nothing_and_fails(gitlab: Forge,
                                                           workdir: Path) -> None:
    (workdir / "wfpromote.yaml").write_text("api: current\nowner: [oops\n")
    runner = GitLabRunner(gitlab, workdir, iid=5)
    assert runner.run("plan") == 1
    assert gitlab.comments == {} and gitlab.log == []
    assert "wfpromote.yaml:3" in runner.output


def test_drift_job_opens_then_closes_the_gitlab_issue(gitlab: Forge, workdir: Path,
                                                      canary: str) -> None:
    assert _jobs()["drift"]["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "schedule"'
    runner = GitLabRunner(gitlab, workdir, iid=None)
    assert runner.run("drift", CI_PIPELINE_SOURCE="schedule") == 0
    [issue] = gitlab.open_issues()
    assert issue["labels"] == ["wfpromote-drift"] or "wfpromote-drift" in issue["labels"]
    assert "8 to create" in gitlab.issue_body(issue)
    assert "Created the drift issue" in runner.output

    assert runner.run("apply", CI_PIPELINE_SOURCE="push") == 0
    assert (workdir / "report.json").is_file()
    assert runner.run("drift", CI_PIPELINE_SOURCE="schedule") == 0
    assert gitlab.open_issues() == [] and len(gitlab.issues) == 1
    assert "No drift" in issue["notes"][0]
    assert "No drift: closed the drift issue" in runner.output
    for word in GITHUB_WORDS:
        assert word not in runner.output
    assert canary not in runner.output
    assert_token_only_in_auth(gitlab)
