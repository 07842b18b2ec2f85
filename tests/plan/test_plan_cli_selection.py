"""--target and --exclude are globs and repeatable on the command line (plan and apply)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.repos import simulator_config

from reconciler.cli import run

CONFIG = simulator_config(settings="simulator: {state: state.json, assembly_seconds: 0}\n")
NAMES = ("Agency Alpha", "Agency Beta", "Campaign Gamma", "Campaign Delta", "Other Epsilon")


def package(name: str) -> str:
    return (f"name: {name}\nsource: sandbox\nstatus: DRAFT\nobjectCollections:\n"
            "  - objCode: TMPL\n    entities:\n"
            "      - {ID: ffa0f8d27e87c5ba0010aeee529de4a4}\n")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "wfpromote.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "all.yaml").write_text(
        "---\n".join(package(n) for n in NAMES), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def planned(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert run(["plan", "--format", "json", *args]) == 0
    return sorted(a["name"] for a in json.loads(capsys.readouterr().out)["actions"]
                  if a["action"] != "no-op")


def test_repeated_targets_and_excludes_combine(root: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert planned(capsys, "--target", "Agency *", "--target", "Campaign *") == [
        "Agency Alpha", "Agency Beta", "Campaign Delta", "Campaign Gamma"]
    assert planned(capsys, "--target", "Agency *", "--target", "Campaign *",
                   "--exclude", "* Beta", "--exclude", "*Delta") == [
        "Agency Alpha", "Campaign Gamma"]
    assert planned(capsys, "--exclude", "Agency*", "--exclude", "Campaign*") == [
        "Other Epsilon"]


def test_apply_honours_the_same_selection(root: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["apply", "--auto-approve", "--format", "json",
                "--target", "Agency *", "--target", "Other *", "--exclude", "*Beta"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert sorted(r["name"] for r in results) == ["Agency Alpha", "Other Epsilon"]
    # the rest is still to do; the applied ones are not touched again
    assert planned(capsys) == ["Agency Beta", "Campaign Delta", "Campaign Gamma"]
