"""The workflows, action.yml and the GitLab example: schema-valid and zizmor-clean offline,
and written the way the conventions require (pinned, least privilege, no injection)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("examples/github/*.yml")])
ACTION = ROOT / "action.yml"
GITLAB = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
SHA = re.compile(r"^[^@]+@[0-9a-f]{40}$")


def _tool(name: str) -> str:
    for candidate in (BIN / name, BIN / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    pytest.fail(f"{name} is not installed: make install (it is in the test extras)")


def _load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def test_there_is_something_to_check() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "release.yml", "wfpromote-plan.yml", "wfpromote-apply.yml",
            "wfpromote-drift.yml"} <= names
    assert ACTION.is_file() and GITLAB.is_file()


@pytest.mark.parametrize(("schema", "files"), [
    ("vendor.github-workflows", WORKFLOWS),
    ("vendor.github-actions", [ACTION]),
    ("vendor.gitlab-ci", [GITLAB]),
], ids=["workflows", "action", "gitlab"])
def test_check_jsonschema_with_the_vendored_schemas(schema: str, files: list[Path]) -> None:
    result = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", schema,
                             *map(str, files)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_offline_has_no_findings(persona: str) -> None:
    result = subprocess.run([_tool("zizmor"), "--offline", "--no-progress", "--persona",
                             persona, str(ACTION), *map(str, WORKFLOWS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_pinned_and_no_injection(path: Path) -> None:
    doc = _load(path)
    assert doc["permissions"] == {}, "permissions: {} at the top"
    triggers = doc.get("on") or doc.get(True)
    assert "pull_request_target" not in triggers
    for name, job in doc["jobs"].items():
        assert "permissions" in job, f"job {name} grants its own permissions"
        uses_secrets = "secrets." in str(job)
        assert not uses_secrets or "environment" in job, f"job {name}: secrets outside an env"
    for step in _steps(doc):
        if "uses" in step:
            assert SHA.match(step["uses"]), step["uses"]
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
        assert "${{" not in str(step.get("run", "")), f"expression inside run: {step}"


def test_action_passes_inputs_through_env_only() -> None:
    doc = _load(ACTION)
    assert doc["runs"]["using"] == "composite"
    for step in doc["runs"]["steps"]:
        assert "${{" not in str(step.get("run", ""))
        if "uses" in step:
            assert SHA.match(step["uses"])
    assert set(doc["outputs"]) == {"exit-code", "has-changes", "plan-path", "report-path"}
    assert "$GITHUB_ACTION_PATH" in str(doc["runs"]["steps"])


def test_apply_queues_instead_of_cancelling() -> None:
    job = _load(ROOT / "examples/github/wfpromote-apply.yml")["jobs"]["apply"]
    assert job["concurrency"]["cancel-in-progress"] is False
    assert job["concurrency"]["queue"] == "max"
    assert job["environment"] == "production"
    assert "--replan-if-stale" in str(job["steps"])


def test_examples_pin_this_repository_at_a_real_commit() -> None:
    refs = set()
    for path in [*WORKFLOWS, GITLAB, ROOT / "README.md"]:
        refs |= set(re.findall(r"OWNER/wfpromote(?:@|/archive/)([0-9a-f]{40})",
                               path.read_text(encoding="utf-8")))
        refs |= set(re.findall(r"rev: ([0-9a-f]{40})", path.read_text(encoding="utf-8")))
    assert refs, "no pinned reference found"
    shallow = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"],
                             capture_output=True, text=True)
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        pytest.skip("not a full git checkout (CI clones one commit deep)")
    for ref in refs:
        result = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-t", ref],
                                capture_output=True, text=True)
        assert result.stdout.strip() == "commit", f"{ref} is not a commit of this repository"
        action = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:action.yml"],
                                capture_output=True, text=True)
        assert action.returncode == 0, f"{ref} has no action.yml"
        [module] = re.findall(r"-m (reconciler[\w.]*)", action.stdout)
        needed = [".pre-commit-hooks.yaml", module.replace(".", "/") + ".py",
                  "reconciler/commands/comment.py"]
        for path in needed:
            shown = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{ref}:{path}"],
                                   capture_output=True)
            assert shown.returncode == 0, f"{ref} has no {path}"


def test_make_lint_audits_every_workflow_file_with_zizmor() -> None:
    """zizmor skips a folder that has no .github/workflows inside: the files are passed."""
    import glob
    import shlex

    lines = [line for line in (ROOT / "Makefile").read_text().splitlines()
             if "zizmor " in line and not line.lstrip().startswith("#")]
    assert len(lines) == 2 and any("--persona auditor" in line for line in lines)
    for line in lines:
        args = [a for a in shlex.split(line) if not a.startswith(("-", "$("))]
        paths = {Path(p).resolve() for a in args for p in glob.glob(str(ROOT / a))}
        assert not any(p.is_dir() for p in paths), line
        assert {*WORKFLOWS, ACTION} <= paths, line


@pytest.mark.parametrize("name", ["wfpromote-plan.yml", "wfpromote-drift.yml"])
def test_a_refused_plan_is_still_uploaded_and_posted(name: str) -> None:
    from reconciler.run.scaffold import default_environments, workflows

    scaffolded = {p.name: text for p, text in workflows(default_environments()).items()}
    for doc in (_load(ROOT / "examples" / "github" / name),
                YAML(typ="safe", pure=True).load(scaffolded[name])):
        steps = _steps(doc)
        after = steps[[s.get("id") for s in steps].index("plan") + 1:]
        posting = [s for s in after if "upload-artifact" in str(s.get("uses"))
                   or "command: comment" in str(s) or s.get("with", {}).get("command")
                   == "comment"]
        assert len(posting) == 2
        for step in posting:
            assert "!cancelled()" in step["if"] and "steps.plan.outputs.plan-path" in step["if"]
