"""YAML errors in plain words (the parser's own under -v); an empty config is about the config."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repos import simulator_config

from reconciler.cli import run

CONFIG = simulator_config(owner="acme")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "wfpromote.yaml").write_text(CONFIG)
    (tmp_path / "packages").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("text", "line", "message"), [
    ("name: A\nsource: sandbox\nobjectCollections:\n\t- objCode: TMPL\n", 4,
     "tabs cannot indent YAML; use spaces"),
    ("name: A: B\nsource: sandbox\n", 1, "a ':' where YAML does not expect one"),
    ('name: "A\nsource: sandbox\n', 3, "a quoted value is never closed"),
    ("package:\n  name: A\n source: sandbox\n", 3,
     "the indentation does not line up with the lines above"),
])
def test_yaml_errors_speak_plainly(repo: Path, capsys: pytest.CaptureFixture[str],
                                   text: str, line: int, message: str) -> None:
    (repo / "packages" / "p.yaml").write_text(text)
    assert run(["validate"]) == 1
    err = capsys.readouterr().err
    assert f"p.yaml:{line}:" in err and message in err
    assert "cannot start any token" not in err and "<block" not in err


def test_the_parsers_words_stay_available_under_v(repo: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "packages" / "p.yaml").write_text("name: A\n\tsource: sandbox\n")
    assert run(["validate"]) == 1
    assert "the YAML parser says" not in capsys.readouterr().err
    assert run(["validate", "-v"]) == 1
    err = capsys.readouterr().err
    assert "tabs cannot indent YAML; use spaces" in err
    assert "the YAML parser says: found character '\\t' that cannot start any token" in err


@pytest.mark.parametrize("content", ["", "   \n", "# only a comment\n"])
def test_an_empty_config_gets_a_message_about_the_config(
        repo: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    (repo / "wfpromote.yaml").write_text(content)
    for command in ("validate", "plan"):
        assert run([command]) == 1
        err = capsys.readouterr().err
        assert "wfpromote.yaml" in err and "configuration file is empty" in err
        assert "declare a package" not in err
