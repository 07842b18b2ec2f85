"""The apply command end to end: confirmation, saved plans, staleness, the lock, secrets."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import OWNER, Repo, new_repo, package_doc

from reconciler.apply.lock import ApplyLock
from reconciler.cli import run
from reconciler.plan.ownership import with_marker
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(params=["current", "2023"])
def repo(request: pytest.FixtureRequest, sim_server: StartSim, tmp_path: Path) -> Repo:
    repo = new_repo(tmp_path, sim_server(profile=request.param))
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding",
                                   status="TESTING"))
    return repo


def cli(repo: Repo, *args: str) -> int:
    return run(["--config", str(repo.config_path), *args])


def test_without_a_terminal_apply_refuses_unless_auto_approved(
        repo: Repo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli(repo, "apply") == 1
    err = capsys.readouterr().err
    assert "no terminal" in err and "--auto-approve" in err
    assert repo.live("Agency Onboarding") == []


def test_on_a_terminal_only_yes_applies(repo: Repo, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    assert cli(repo, "apply") == 1
    captured = capsys.readouterr()
    assert "Only 'yes' will be accepted" in captured.err and "cancelled" in captured.err
    assert "+ Agency Onboarding" in captured.out
    assert repo.live("Agency Onboarding") == []
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    assert cli(repo, "apply") == 0
    assert "Apply: 1 applied" in capsys.readouterr().out
    assert repo.live("Agency Onboarding")[0].status == "TESTING"


def test_json_format_keeps_stdout_for_the_report(repo: Repo,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    report_file = repo.root / "out" / "report.json"
    report_file.parent.mkdir()  # --report does not create folders
    assert cli(repo, "apply", "--auto-approve", "--format", "json",
               "--report", str(report_file)) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["summary"]["applied"] == 1
    assert "+ Agency Onboarding" in captured.err
    assert json.loads(report_file.read_text()) == data


def test_saved_plan_is_applied_without_a_prompt(repo: Repo,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = repo.root / "plan.json"
    assert cli(repo, "plan", "--out", str(plan_file)) == 0
    assert cli(repo, "apply", str(plan_file)) == 0
    assert len(repo.live("Agency Onboarding")) == 1
    capsys.readouterr()
    assert cli(repo, "plan", "--detailed-exitcode") == 0


def test_saved_plan_is_stale_when_the_remote_moved(repo: Repo,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(repo, "apply", "--auto-approve") == 0
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding",
                                   status="ACTIVE"))
    plan_file = repo.root / "plan.json"
    assert cli(repo, "plan", "--out", str(plan_file)) == 0
    [package] = repo.live("Agency Onboarding")
    repo.sim.state.update_package(package.id, {"description": with_marker(
        "edited in the UI", OWNER, package.description.split("digest=")[1].strip())})
    capsys.readouterr()
    assert cli(repo, "apply", str(plan_file)) == 1
    err = capsys.readouterr().err
    assert "stale plan: the remote packages changed since it was made" in err
    assert "wfpromote plan" in err
    assert repo.live("Agency Onboarding")[0].status == "TESTING"  # nothing written


def test_saved_plan_is_stale_when_a_package_appears_under_its_name(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = repo.root / "plan.json"
    assert cli(repo, "plan", "--out", str(plan_file)) == 0
    assert cli(repo, "apply", "--auto-approve") == 0  # someone applied meanwhile
    capsys.readouterr()
    assert cli(repo, "apply", str(plan_file)) == 1
    assert "stale plan: the remote packages changed" in capsys.readouterr().err
    assert len(repo.live("Agency Onboarding")) == 1


def test_saved_plan_is_stale_when_a_declared_file_changed(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = repo.root / "plan.json"
    assert cli(repo, "plan", "--out", str(plan_file)) == 0
    repo.put("b.yaml", package_doc("Campaign Kit", "Campaign Launch"))
    capsys.readouterr()
    assert cli(repo, "apply", str(plan_file)) == 1
    assert "declared package files changed" in capsys.readouterr().err
    assert repo.live("Agency Onboarding") == []


def test_a_stale_saved_plan_is_replanned_from_files_read_once(
        repo: Repo, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.desired import loader

    plan_file = repo.root / "plan.json"
    assert cli(repo, "plan", "--out", str(plan_file)) == 0
    repo.put("b.yaml", package_doc("Campaign Kit", "Campaign Launch"))
    capsys.readouterr()
    reads = []
    original = loader.load_packages
    monkeypatch.setattr(loader, "load_packages",
                        lambda *a, **k: reads.append(a) or original(*a, **k))
    assert cli(repo, "apply", "--auto-approve", "--replan-if-stale", str(plan_file)) == 0
    assert "applying a new plan of the same files instead" in capsys.readouterr().err
    assert len(reads) == 1
    assert len(repo.live("Campaign Kit")) == 1


def test_a_held_lock_refuses_a_second_apply(repo: Repo,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with ApplyLock(repo.root):
        assert cli(repo, "apply", "--auto-approve") == 1
    err = capsys.readouterr().err
    assert "another apply is running (pid " in err and "--lock-timeout" in err
    assert repo.live("Agency Onboarding") == []


def test_the_secret_never_shows(sim_server: StartSim, tmp_path: Path, canary: str,
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WF_APPLY_KEY", canary)
    repo = new_repo(tmp_path, sim_server(), auth_env="WF_APPLY_KEY")
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding",
                                   status="TESTING", description=f"mentions {canary}"),
             package_doc("Broken Package", "f" * 32))
    report_file = tmp_path / "report.json"
    texts = []
    for fmt in ("text", "json"):
        code = cli(repo, "-v", "apply", "--auto-approve", "--format", fmt,
                   "--report", str(report_file))
        assert code == 1
        captured = capsys.readouterr()
        texts += [captured.out, captured.err, report_file.read_text()]
    assert any("Broken Package" in t for t in texts)
    for text in texts:
        assert canary not in text
