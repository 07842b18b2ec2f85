"""``wfpromote --version``: the version, and the commit wherever it can be told (a checkout,
``git archive`` as GitHub serves it, a wheel built in a checkout, PEP 610 for git installs);
never a failure. ``init`` pins the running commit."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from reconciler import __version__, version
from reconciler.cli import run

ROOT = Path(__file__).resolve().parents[2]
HAS_GIT = shutil.which("git") is not None and (ROOT / ".git").exists()
needs_git = pytest.mark.skipif(not HAS_GIT, reason="not a git checkout, or no git")


def _head() -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


def _version_of(code: Path | None, *, path: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFPROMOTE_")}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "reconciler", "--version"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT.parent)


@needs_git
def test_a_checkout_names_its_head(capsys: pytest.CaptureFixture[str]) -> None:
    version.commit.cache_clear()
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"wfpromote {__version__} (commit {_head()})\n"


def test_without_git_only_the_version_is_printed(tmp_path: Path) -> None:
    result = _version_of(None, path=str(tmp_path))  # no git on PATH
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wfpromote {__version__}\n" and result.stderr == ""


@needs_git
def test_git_archive_as_github_serves_it_names_the_commit(tmp_path: Path) -> None:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"],
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(tmp_path, filter="data")
    result = _version_of(tmp_path, path=str(tmp_path / "no-git"))  # git is not asked
    assert result.stdout == f"wfpromote {__version__} (commit {_head()})\n", result.stderr


@needs_git
def test_a_wheel_built_in_a_checkout_records_the_commit(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-c", "import sys; from hatchling.build import build_wheel; "
         "print(build_wheel(sys.argv[1]))", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    wheel = tmp_path / build.stdout.strip().splitlines()[-1]
    assert wheel.name == f"wfpromote-{__version__}-py3-none-any.whl"
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
        assert archive.read("reconciler/_build_commit.txt").decode().strip() == _head()
    result = _version_of(site, path=str(tmp_path / "no-git"))
    assert result.stdout == f"wfpromote {__version__} (commit {_head()})\n", result.stderr


def test_a_git_install_names_its_commit_from_direct_url(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"

    class Dist:
        def locate_file(self, name: str) -> Path:
            return Path(version.__file__).resolve().parent.parent / name

        def read_text(self, name: str) -> str | None:
            assert name == "direct_url.json"
            return json.dumps({"url": "https://github.com/o/wfpromote",
                               "vcs_info": {"vcs": "git", "commit_id": sha}})

    monkeypatch.setattr("importlib.metadata.distribution", lambda name: Dist())
    assert version._from_direct_url() == sha
    monkeypatch.setattr(Dist, "locate_file", lambda self, name: Path("/elsewhere") / name)
    assert version._from_direct_url() is None  # another copy's metadata: not ours


def test_a_broken_source_is_no_answer_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise OSError("unreadable")

    for name in ("_from_file", "_from_direct_url", "_from_checkout"):
        monkeypatch.setattr(version, name, broken)
    version.commit.cache_clear()
    try:
        assert version.commit() is None
        assert version.describe() == f"wfpromote {__version__}"
    finally:
        version.commit.cache_clear()


def test_init_pins_the_running_commit_where_known(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.run.scaffold import default_environments, workflows

    sha = "fedcba9876543210fedcba9876543210fedcba98"
    monkeypatch.setattr(version, "commit", lambda: sha)
    written = "".join(workflows(default_environments()).values())
    assert written.count(f"OWNER/wfpromote@{sha} # {__version__}") == 7
    monkeypatch.setattr(version, "commit", lambda: None)
    template = (ROOT / "examples" / "github" / "wfpromote-plan.yml").read_text()
    [pinned] = set(__import__("re").findall(r"OWNER/wfpromote@([0-9a-f]{40})", template))
    unknown = "".join(workflows(default_environments()).values())
    assert f"OWNER/wfpromote@{pinned}" in unknown and sha not in unknown
