"""The commit the examples and docs pin (docs/releasing.md) is the latest release of this
repository, and that release, run as GitHub serves it (``git archive``), validates today's
examples and README and reads the plans today's code saves. A stale pin fails here."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from reconciler import __version__
from reconciler.cli import run

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import pin as pins  # noqa: E402  (tools/pin.py: the files that pin, and how)

sys.path.remove(str(ROOT / "tools"))


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def changelog_versions() -> list[str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## (\d+\.\d+\.\d+)\s*$", text, re.MULTILINE)


def test_the_version_has_one_home_and_a_changelog_entry() -> None:
    assert re.fullmatch(r"0\.\d+\.\d+", __version__)
    assert changelog_versions()[0] == __version__, "CHANGELOG.md's newest version"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject


def test_every_file_pins_the_same_commit() -> None:
    found = pins.pins()
    assert len(found) == 1, f"the files pin different commits: {found}"
    [(_, files)] = found.items()
    # Each place users copy from carries the pin.
    assert {"README.md", ".pre-commit-hooks.yaml", "examples/gitlab/.gitlab-ci.yml",
            "examples/github/wfpromote-plan.yml"} <= files


@pytest.fixture(scope="module")
def pinned() -> str:
    [sha] = pins.pins()
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the pinned commit cannot be checked here")
    if _git("cat-file", "-e", f"{sha}^{{commit}}").returncode != 0:
        if _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            pytest.skip(f"a shallow clone without the pinned commit {sha}: fetch the history "
                        "(git fetch --unshallow; in Actions, fetch-depth: 0) to check the pin")
        pytest.fail(f"{sha} is not a commit of this repository: pin the latest release "
                    "commit with tools/pin.py (docs/releasing.md)")
    return sha


def test_the_pin_is_the_latest_release_of_this_branch(pinned: str) -> None:
    assert _git("merge-base", "--is-ancestor", pinned, "HEAD").returncode == 0, \
        f"{pinned} is not in the history of HEAD"
    released = pins.version_at(pinned)
    assert released == __version__ == changelog_versions()[0], (
        f"the pin is release {released}, but this is {__version__}: pin the release commit "
        "of this version with tools/pin.py (docs/releasing.md)")
    uses = re.findall(r"OWNER/wfpromote@[0-9a-f]{40} # ([\w.]+)",
                      "".join((ROOT / n).read_text(encoding="utf-8") for n in pins.FILES
                              if (ROOT / n).is_file()))
    assert uses and set(uses) == {released}, "the '# VERSION' after each uses: line"


def _archive(sha: str, into: Path) -> Path:
    """The commit as GitHub serves it to an Action or to pip: ``git archive``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", sha],
                          capture_output=True, check=True, timeout=60).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def _readme_example(target: Path) -> Path:
    """The README's wfpromote.yaml and package file, as a repository."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(
        "## Files you write", 1)[1].split("\n## ", 1)[0]
    config, package = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)[:2]
    (target / "promotions").mkdir(parents=True)
    (target / "wfpromote.yaml").write_text(config, encoding="utf-8")
    (target / "promotions" / "agency.yaml").write_text(package, encoding="utf-8")
    return target


def test_the_pinned_release_validates_the_examples_and_reads_todays_plans(
        pinned: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    release = _archive(pinned, tmp_path / "release")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "promotions", repo,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    readme = _readme_example(tmp_path / "readme")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("WFPROMOTE_CONFIG", raising=False)
    assert run(["--allow-simulator", "plan", "--out", "plan.json"]) == 0  # today's format
    assert run(["init", str(tmp_path / "fresh"), "--env",
                "sandbox=https://acme.sb01.workfront.com", "--env", "prod:production=simulator"
                ]) == 0
    capsys.readouterr()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("WFPROMOTE_", "CI"))}
    env["PYTHONPATH"] = str(release)  # the release's code, this venv's dependencies

    def released(where: Path, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=where,
                                env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (args, result.stdout + result.stderr)
        return result.stdout + result.stderr

    assert released(repo, "--version").strip() == f"wfpromote {__version__} (commit {pinned})"
    assert "validated 8 packages" in released(repo, "validate")
    assert "validated 1 package" in released(readme, "validate")
    assert "validated 1 package" in released(tmp_path / "fresh", "validate")
    shown = released(repo, "show", "plan.json")
    assert "Plan: 8 to create" in shown
