"""A throw-away repository per test: write a config and package files, run the CLI on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.repos import ALL_ENVIRONMENTS, simulator_config

from reconciler.cli import run

CONFIG = simulator_config(*ALL_ENVIRONMENTS)

GOOD = """\
name: Agency Onboarding
source: sandbox
status: ACTIVE
objectCollections:
  - objCode: TMPL
    entities:
      - {ID: ffa0f8d27e87c5ba0010aeee529de4a4, name: New Agency Onboarding}
install:
  - environment: preview
  - environment: production
    after: [preview]
"""


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Repo:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        self.write("wfpromote.yaml", CONFIG)
        (root / "packages").mkdir()

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def package(self, name: str, content: str | bytes) -> Path:
        return self.write(f"packages/{name}", content)

    def cli(self, *args: str) -> Outcome:
        self.capsys.readouterr()
        code = run(list(args))
        captured = self.capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    def validate(self, *args: str) -> Outcome:
        return self.cli("validate", *args)


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path, capsys)


def assert_one_error(outcome: Outcome, where: str, *words: str) -> None:
    """Exit 1, a message at file:line (and the words), and no traceback."""
    assert outcome.code == 1, outcome.text
    assert "Traceback" not in outcome.text
    assert where in outcome.text, outcome.text
    for word in words:
        assert word in outcome.text, outcome.text


RepoFactory = Callable[[], Repo]
