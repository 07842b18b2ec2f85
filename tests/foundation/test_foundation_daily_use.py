"""Daily use (issue 20): a config found from a subfolder, init names that validate accepts, no
"0 package(s) left out" warning, and a gate on the wrong install step that says to move it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONFIG, GOOD, Repo, assert_one_error

SECOND = GOOD.replace("name: Agency Onboarding", "name: Agency Onboarding Two")
FAST = CONFIG + "simulator: {assembly_seconds: 0, install_seconds: 0}\n"


def test_a_plan_of_one_file_warns_only_when_it_leaves_packages_out(repo: Repo) -> None:
    repo.write("wfpromote.yaml", FAST)
    repo.package("one.yaml", GOOD)
    repo.package("two.yaml", SECOND)
    first = repo.cli("plan", "packages/one.yaml")
    assert first.code == 0, first.text
    assert "partial run" not in first.text and "left out" not in first.text
    assert repo.cli("apply", "--auto-approve").code == 0
    later = repo.cli("plan", "packages/one.yaml")
    assert later.code == 0, later.text
    assert "partial run: 1 package(s) owned by acme-workfront were left out" in later.text


def test_a_run_from_a_subfolder_finds_the_config_of_the_repository(repo: Repo) -> None:
    (repo.root / ".git").mkdir()
    repo.package("one.yaml", GOOD)
    (repo.root / "packages" / "deep").mkdir()
    for where in (repo.root / "packages", repo.root / "packages" / "deep"):
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(where)
            outcome = repo.cli("validate")
        assert outcome.code == 0, outcome.text
        assert "validated 1 package" in outcome.text
        shown = "../wfpromote.yaml" if where.name == "packages" else "../../wfpromote.yaml"
        assert f"Using {shown} ({repo.root.resolve() / 'wfpromote.yaml'})" in outcome.err


def test_the_search_stops_at_the_repository_root(repo: Repo) -> None:
    inner = repo.root / "inner"
    (inner / ".git").mkdir(parents=True)
    (inner / "sub").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(inner / "sub")
        outcome = repo.cli("validate")
    assert_one_error(outcome, "no wfpromote.yaml in", "up to the repository root",
                     str(inner.resolve()))


def test_outside_a_repository_parent_folders_are_not_searched(repo: Repo) -> None:
    (repo.root / "packages" / "sub").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo.root / "packages" / "sub")
        outcome = repo.cli("validate")
    assert_one_error(outcome, "no wfpromote.yaml in")
    assert "Using" not in outcome.text


def test_the_config_in_the_current_folder_is_used_silently(repo: Repo) -> None:
    (repo.root / ".git").mkdir()
    repo.package("one.yaml", GOOD)
    outcome = repo.cli("validate")
    assert outcome.code == 0 and "Using" not in outcome.err


def test_init_writes_environment_names_that_validate_accepts(
        tmp_path: Path, repo: Repo) -> None:
    outcome = repo.cli("init", "fresh", "--env", "Sandbox:SANDBOX=simulator",
                       "--env", "PROD-eu:production=simulator")
    assert outcome.code == 0, outcome.text
    assert "environment 'Sandbox' is written as 'sandbox'" in outcome.err
    text = (repo.root / "fresh" / "wfpromote.yaml").read_text()
    assert "  sandbox: {url: simulator, kind: sandbox}" in text
    assert "  prod-eu: {url: simulator, kind: production}" in text
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo.root / "fresh")
        checked = repo.cli("validate")
    assert checked.code == 0, checked.text


@pytest.mark.parametrize("name", ["1st", "_x", "prod eu", "é"])
def test_init_refuses_a_name_validate_would_refuse(repo: Repo, name: str) -> None:
    outcome = repo.cli("init", "fresh", "--env", f"{name}:sandbox=simulator")
    assert outcome.code == 1 and "starts with a letter" in outcome.err
    assert not (repo.root / "fresh").exists()


def test_a_gate_on_the_earlier_step_says_to_move_it(repo: Repo) -> None:
    repo.package("one.yaml", GOOD.replace(
        "  - environment: preview\n  - environment: production\n    after: [preview]\n",
        "  - environment: preview\n    after: [production]\n  - environment: production\n"))
    outcome = repo.validate()
    assert_one_error(outcome, "one.yaml:10", "'after: production' names an environment not "
                     "installed earlier")
    assert ("'production' is installed after 'preview' in this list: move the gate, i.e. "
            "drop it here and write 'after: [preview]' on the 'production' step"
            in outcome.text)
    assert "add an install step for 'production' before 'preview'" not in outcome.text
