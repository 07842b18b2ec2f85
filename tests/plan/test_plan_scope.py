"""PATHS narrow what a run considers and never prune outside them; unsafe plans are shown
whole with their verdict, then refused. End to end through the CLI on the embedded simulator,
on a copy of the example repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from support.repos import ALL_ENVIRONMENTS, simulator_config

from reconciler.cli import run

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())
CONFIG = simulator_config(*ALL_ENVIRONMENTS, settings=(
    "prune: disable\nsimulator: {assembly_seconds: 0, install_seconds: 0}\n"))
TOTAL = 8  # packages declared by the example repository


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


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = run(["plan", "--format", "json", *args])
    out, err = capsys.readouterr()
    data = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    return code, data, err


def disabled(data: dict) -> list[str]:
    return sorted(a["name"] for a in data["actions"] if a["action"] in ("disable", "delete"))


@pytest.mark.parametrize(("paths", "in_scope"), [
    (("packages/people.yaml",), 1),                                   # one file
    (("packages/templates",), 2),                                     # a folder
    (("packages/people.yaml", "packages/approvals.yaml"), 2),         # several files
    (("packages/templates", "packages/forms/campaign-brief.yaml"), 3),  # folder and file
])
def test_paths_never_prune_outside_them(repo: Path, capsys: pytest.CaptureFixture[str],
                                        paths: tuple[str, ...], in_scope: int) -> None:
    code, data, _ = plan_json(capsys, *paths)
    assert code == 0 and disabled(data) == []
    assert data["summary"]["unchanged"] == in_scope
    assert data["scope"]["complete"] is False
    assert data["scope"]["out_of_scope"] == TOTAL - in_scope
    assert "do not cover the packages folder" in data["scope"]["reason"]
    assert run(["plan", *paths]) == 0
    out = capsys.readouterr().out
    assert f"{TOTAL - in_scope} package(s) owned by acme-workfront were left out of scope" \
        in out and "No changes." in out


def test_a_file_removed_elsewhere_is_pruned_only_by_a_whole_folder_run(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "packages" / "people.yaml").unlink()
    # a partial run, also through apply, leaves the undeclared package alone
    code, data, _ = plan_json(capsys, "packages/approvals.yaml")
    assert code == 0 and disabled(data) == [] and data["scope"]["out_of_scope"] == TOTAL - 1
    assert run(["apply", "--auto-approve", "packages/approvals.yaml"]) == 0
    assert "No changes." in capsys.readouterr().out
    code, data, _ = plan_json(capsys)
    assert len(disabled(data)) == 1  # still live: the partial apply did not disable it
    assert data["scope"] == {"complete": True, "out_of_scope": 0, "reason": None}
    # PATHS that cover the folder are a whole run too
    for covering in (("packages",), ("packages/",), (".",)):
        code, data, _ = plan_json(capsys, *covering)
        assert data["scope"]["complete"] is True and len(disabled(data)) == 1, covering


def test_saved_partial_plan_records_scope_and_apply_keeps_to_it(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "packages" / "people.yaml").unlink()
    assert run(["plan", "packages/templates", "--out", "plan.json"]) == 0
    capsys.readouterr()
    saved = json.loads((repo / "plan.json").read_text())
    assert saved["scope"]["complete"] is False and saved["scope"]["out_of_scope"] == TOTAL - 2
    assert run(["apply", "plan.json"]) == 0
    capsys.readouterr()
    _, data, _ = plan_json(capsys)
    assert len(disabled(data)) == 1  # the people package was left alone by the saved plan

    # an edited partial plan that prunes is not a valid saved plan
    _, whole, _ = plan_json(capsys)
    whole["scope"] = {"complete": False, "out_of_scope": 3, "reason": "edited"}
    (repo / "edited.json").write_text(json.dumps(whole))
    assert run(["apply", "edited.json"]) == 1
    err = capsys.readouterr().err
    assert "edited.json: not a valid saved plan" in err and "Traceback" not in err


def test_unsafe_plan_is_shown_with_its_verdict_then_refused(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("people.yaml", "approvals.yaml", "dashboards.yaml"):
        (repo / "packages" / name).unlink()
    shutil.rmtree(repo / "packages" / "templates")  # 6 of 8 (75%) would be disabled
    assert run(["plan", "--out", "plan.json"]) == 1
    out, err = capsys.readouterr()
    first = out.splitlines()[0]
    assert first.startswith("Refused by the safety check: the plan disables or deletes 6 of "
                            "the 8 managed packages (75.0%)") and "--force" in first
    assert "Plan: 0 to create, 0 to update, 0 to replace, 6 to disable" in out
    assert "error: plan refused by the safety check" in err and "--force" in err
    saved = json.loads((repo / "plan.json").read_text())
    assert saved["safety"]["status"] == "refused" and saved["safety"]["rule"] == "majority"
    assert (saved["safety"]["affected"], saved["safety"]["managed"]) == (6, 8)

    assert run(["plan", "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.index("Refused by the safety check") < markdown.index("| Create")

    # apply shows the same plan, then refuses; nothing is disabled
    assert run(["apply", "--auto-approve"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("Refused by the safety check") and "6 to disable" in out
    assert "apply refused by the safety check" in err and "nothing was changed" in err
    assert run(["apply", "plan.json"]) == 1
    assert "--force" in capsys.readouterr().err
    code, data, _ = plan_json(capsys)
    assert code == 1 and len(disabled(data)) == 6  # still all there to disable

    # the flag lets it through, and the verdict says it was overridden
    assert run(["apply", "--force", "plan.json"]) == 0
    assert "overridden" not in capsys.readouterr().err
    code, data, _ = plan_json(capsys)
    assert code == 0 and disabled(data) == [] and data["safety"] is None
