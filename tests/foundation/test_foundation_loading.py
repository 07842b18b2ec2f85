"""Finding and reading package files: the paths a run reads and the names messages show.

Discovery walks folders with plain strings and shows paths relative to the working directory
computed once per run; these tests pin what the user sees to what they typed, and the files
read to the whole of each file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import GOOD, Repo, assert_one_error

from reconciler.desired import sources
from reconciler.desired.config import load_config
from reconciler.desired.loader import collect, discover
from reconciler.run.settings import load_settings


def test_walked_paths_are_shown_as_the_user_named_the_folder(
        repo: Repo, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder named by a path outside the working directory: a file below it is shown
    below that path, as typed, not as an absolute path."""
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text(GOOD)
    (repo.root / "packages" / "team").mkdir()
    os.symlink(outside, repo.root / "packages" / "team" / "link.yaml")
    elsewhere = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(elsewhere)
    relative = os.path.relpath(repo.root, elsewhere)
    out = repo.cli("--config", f"{relative}/wfpromote.yaml", "validate",
                   f"{relative}/packages")
    assert_one_error(out, f"{relative}/packages/team/link.yaml", "outside the repository")


def test_discovered_files_are_absolute_normalised_and_sorted(repo: Repo) -> None:
    repo.package("b.yaml", GOOD)
    repo.package("a/c.yml", GOOD.replace("Agency Onboarding", "Agency Onboarding C"))
    repo.package("a/x.definition.json", "{}")
    repo.package(".hidden/d.yaml", GOOD)
    config = load_config(None)
    files, problems = discover(load_settings(config), ["packages/../packages", "packages/b.yaml"])
    assert problems == []
    cwd = os.getcwd()
    assert files == [Path(cwd, "packages/a/c.yml"), Path(cwd, "packages/b.yaml")]


def test_messages_name_files_relative_to_the_working_directory(repo: Repo) -> None:
    repo.package("team/bad.yaml", GOOD.replace("source: sandbox", "source: [sandbox"))
    config = load_config(None)
    _, problems, _ = collect(load_settings(config))
    assert problems[0].location.file == "packages/team/bad.yaml"


def test_display_of_an_absolute_path_matches_display_path(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.chdir(tmp_path)
    cwd = os.getcwd()
    for path in [Path(cwd), Path(cwd, "a.yaml"), Path(cwd, "d", "e.yml"),
                 Path(cwd + "x", "f.yaml"), Path("/"), Path(os.path.dirname(cwd), "g.yaml")]:
        assert sources.display_absolute(os.fspath(path), cwd) == sources.display_path(path)


@pytest.mark.parametrize("size", [0, 1, 4095, 65536, 65537, 300_000])
def test_read_text_reads_every_byte(tmp_path: Path, size: int) -> None:
    body = ("name: x\n" + "#" * size + "\n").encode()
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + body)
    assert sources.read_text(path, "f.yaml") == body.decode()


def test_read_text_refuses_what_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(sources.SourceError, match="is a directory"):
        sources.read_text(tmp_path, "d")
    with pytest.raises(sources.SourceError, match="no such file"):
        sources.read_text(tmp_path / "missing.yaml", "missing.yaml")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(sources.SourceError, match="not a regular file"):
        sources.read_text(fifo, "fifo.yaml")


def test_json_integer_too_long_to_convert_is_located() -> None:
    """Python refuses to convert integers of more than 4300 digits: one located error, never
    an internal error (digits inside strings are not numbers)."""
    text = '{"note": "' + "1" * 9000 + '",\n "revision": ' + "9" * 5000 + "}"
    with pytest.raises(sources.SourceError) as caught:
        sources.loads_strict(text, "p.json")
    assert caught.value.message == "JSON number too long (5000 digits)"
    assert (caught.value.location.line, caught.value.location.column) == (2, 14)
