"""A plan made from explicit PATHS is checked against the same PATHS when applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.repos import simulator_config

from reconciler.cli import run

CONFIG = simulator_config(settings="simulator: {assembly_seconds: 0}\n")
PACKAGE = """\
name: {name}
source: sandbox
objectCollections:
  - objCode: ROLE
    entities: [{{ID: 1265d0702db81579c09eddf4f3b69d46}}]
"""


def test_saved_plan_from_paths_is_fresh_and_applies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "wfpromote.yaml").write_text(CONFIG)
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "one.yaml").write_text(PACKAGE.format(name="Role Package One"))
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "two.yaml").write_text(PACKAGE.format(name="Role Package Two"))
    monkeypatch.chdir(tmp_path)

    assert run(["plan", "extra", "--out", "plan.json", "--allow-empty"]) == 0
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert saved["paths"] == ["extra"]
    capsys.readouterr()

    assert run(["apply", "plan.json"]) == 0
    out = capsys.readouterr().out
    assert "Role Package Two" in out and "Role Package One" not in out

    # The same saved plan is now stale: the remote moved under it.
    assert run(["apply", "plan.json"]) == 1
    assert "stale" in capsys.readouterr().err.lower()
