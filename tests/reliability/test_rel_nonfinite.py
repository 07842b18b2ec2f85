"""JSON has no NaN, Infinity or -Infinity: they are errors at file:line:col everywhere JSON is
read (package files, definitions, saved plans, config), never strings or floats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.repos import simulator_config

from reconciler.cli import run

CONFIG = simulator_config()


def _package(name: str = "Agency Onboarding") -> dict[str, object]:
    return {"name": name, "source": "sandbox", "status": "DRAFT", "objectCollections": [
        {"objCode": "TMPL", "entities": [{"ID": "ffa0f8d27e87c5ba0010aeee529de4a4"}]}]}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wfpromote.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "packages").mkdir()
    return tmp_path


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_package_file(root: Path, capsys: pytest.CaptureFixture[str], token: str) -> None:
    text = json.dumps(_package(), indent=2).replace('"Agency Onboarding"', token)
    (root / "packages" / "a.json").write_text(text, encoding="utf-8")
    code, out = _cli(capsys, "validate")
    assert code == 1, out
    assert "packages/a.json:2:11" in out and f"JSON does not allow {token}" in out, out
    assert "Traceback" not in out


def test_constant_inside_a_string_is_fine(root: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (root / "packages" / "a.json").write_text(json.dumps(_package("NaN Infinity")),
                                              encoding="utf-8")
    code, out = _cli(capsys, "validate")
    assert code == 0, out


def test_definition_file(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "packages" / "a.yaml").write_text(
        "name: Alpha Package\nsource: sandbox\ndefinition: a.definition.json\n", encoding="utf-8")
    (root / "packages" / "a.definition.json").write_text(
        '{"TMPL": [\n  {"ID": "x", "version": NaN}\n]}\n', encoding="utf-8")
    code, out = _cli(capsys, "validate")
    assert code == 1, out
    assert "a.definition.json:2:26" in out and "JSON does not allow NaN" in out, out


def test_config_file(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "wf.json").write_text(
        '{"api": "current", "owner": "o", "packages": "packages/",\n'
        ' "concurrency": Infinity,\n "environments": {}}', encoding="utf-8")
    code, out = _cli(capsys, "--config", "wf.json", "validate")
    assert code == 1, out
    assert "wf.json:2:17" in out and "JSON does not allow Infinity" in out, out


def test_saved_plan(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "packages" / "a.json").write_text(json.dumps(_package()), encoding="utf-8")
    code, out = _cli(capsys, "plan", "--out", "plan.json")
    assert code == 0, out
    text = (root / "plan.json").read_text(encoding="utf-8")
    data = json.loads(text)
    data["timings"] = {"list": "@@"}
    broken = json.dumps(data, indent=2).replace('"@@"', "-Infinity")
    (root / "plan.json").write_text(broken, encoding="utf-8")
    line = broken[: broken.index("-Infinity")].count("\n") + 1
    code, out = _cli(capsys, "apply", "plan.json")
    assert code == 1, out
    assert f"plan.json:{line}:" in out and "JSON does not allow -Infinity" in out, out
    assert "Traceback" not in out
