"""Fixtures for the GitOps tests: fake forges, a copy of the example repository, plans."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gitops_fakes import Forge, serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "promotions"


@pytest.fixture(autouse=True)
def _restore_secret_registry() -> Iterator[None]:
    from reconciler import redact

    before = set(redact._secrets)
    yield
    with redact._lock:
        redact._secrets.intersection_update(before)


@pytest.fixture(autouse=True)
def _no_forge_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("GITHUB_", "GITLAB_", "CI_", "GH_", "RUNNER_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def github(canary: str) -> Iterator[Forge]:
    with serve("github", canary) as forge:
        yield forge


@pytest.fixture
def gitlab(canary: str) -> Iterator[Forge]:
    with serve("gitlab", canary) as forge:
        yield forge


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of examples/promotions (the embedded simulator keeps its state inside)."""
    target = tmp_path / "repo"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".wfpromote"))
    return target


@pytest.fixture(scope="session")
def _plan_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    from reconciler.cli import run

    target = tmp_path_factory.mktemp("plan") / "repo"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".wfpromote"))
    out = target / "plan.json"
    # Session-scoped: runs before the per-test fixture that clears CI, hence --allow-simulator.
    assert run(["--config", str(target / "wfpromote.yaml"), "--allow-simulator", "plan",
                "--out", str(out)]) == 0
    return out.read_text()


@pytest.fixture
def saved_plan(repo: Path, _plan_text: str) -> Path:
    """A saved plan of the example repository against a fresh simulator: 8 creates."""
    out = repo / "plan.json"
    out.write_text(_plan_text)
    return out


@pytest.fixture
def empty_plan(saved_plan: Path) -> Path:
    """The same plan with no changes (what a run finds once everything is applied)."""
    data: dict[str, Any] = json.loads(saved_plan.read_text())
    data["actions"] = []
    data["summary"] = {key: 0 for key in data["summary"]}
    out = saved_plan.with_name("empty.json")
    out.write_text(json.dumps(data))
    return out
