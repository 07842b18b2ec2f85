"""The example repository validates, and the public loader API behaves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Repo

from reconciler.cli import run
from reconciler.desired.config import load_config
from reconciler.desired.loader import collect, declared_digest, load_packages
from reconciler.errors import ValidationFailed
from reconciler.run.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "promotions"
CONFIG = str(EXAMPLE / "wfpromote.yaml")


def test_example_repository_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--config", CONFIG, "validate"]) == 0
    err = capsys.readouterr().err
    assert ": ok" in err and "Traceback" not in err


def test_example_json_format_parses(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--config", CONFIG, "validate", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is True and document["problems"] == []
    assert document["packages"] >= 6 and document["files"] >= 6


def test_example_content_covers_the_features() -> None:
    specs = load_packages(load_settings(load_config(CONFIG)))
    names = [s.name for s in specs]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert any(s.definition_content for s in specs)
    assert any(s.origin and s.origin.file.endswith(".json") for s in specs)
    files = [s.origin.file for s in specs if s.origin]
    assert len(files) > len(set(files))  # a multi-document file
    actions = {a for s in specs for step in s.install for o in step.overrides.values()
               for a in o.values()}
    assert {"IGNORE"} <= actions
    assert any(step.existing == "overwrite" for s in specs for step in s.install)
    assert all(s.status.value == "ACTIVE" for s in specs
               if any(step.environment == "production" for step in s.install))


def test_load_packages_raises_with_every_problem(repo: Repo) -> None:
    repo.package("a.yaml", "name: abc\n")
    with pytest.raises(ValidationFailed) as info:
        load_packages(load_settings(load_config(None)))
    assert len(info.value.problems) == 3  # too short, no source, no collections/definition


def test_collect_counts(repo: Repo) -> None:
    shutil.copytree(EXAMPLE / "packages", repo.root / "packages", dirs_exist_ok=True)
    repo.write("wfpromote.yaml", (EXAMPLE / "wfpromote.yaml").read_text())
    specs, problems, files = collect(load_settings(load_config(None)))
    assert problems == [] and files == 7 and len(specs) == 8


def test_declared_digest_is_order_independent_and_sensitive() -> None:
    specs = load_packages(load_settings(load_config(CONFIG)))
    digest = declared_digest(specs)
    assert digest == declared_digest(list(reversed(specs)))
    changed = [specs[0].model_copy(update={"description": "changed"}), *specs[1:]]
    assert declared_digest(changed) != digest
    assert len(digest) == 64
