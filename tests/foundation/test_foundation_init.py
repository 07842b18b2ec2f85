"""`wfpromote init [DIR]`: a configuration repository that validates and plans at once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reconciler.cli import run
from reconciler.desired.config import load_config

FILES = ("wfpromote.yaml", "promotions/example.yaml", ".github/workflows/wfpromote-plan.yml",
         ".github/workflows/wfpromote-apply.yml", ".github/workflows/wfpromote-drift.yml",
         ".gitignore")


def test_init_without_a_terminal_uses_the_simulator_and_plans(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["init", "acme-promotions"]) == 0
    root = tmp_path / "acme-promotions"
    for name in FILES:
        assert (root / name).is_file(), name
    assert ".wfpromote/" in (root / ".gitignore").read_text().splitlines()
    config = load_config(str(root / "wfpromote.yaml"))
    assert config.owner == "acme-promotions"
    assert {n: e.url for n, e in config.environments.items()} == {
        "sandbox": "simulator", "preview": "simulator", "production": "simulator"}
    workflow = (root / ".github/workflows/wfpromote-apply.yml").read_text()
    assert "apply" in workflow and "secrets.WF_" not in workflow
    assert "WFPROMOTE_ALLOW_SIMULATOR" in workflow
    capsys.readouterr()
    monkeypatch.chdir(root)
    assert run(["validate"]) == 0
    assert run(["plan", "--detailed-exitcode"]) == 2
    assert "Example Package" in capsys.readouterr().out


def test_init_with_options_writes_real_environments(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["init", "--owner", "acme", "--env", "sandbox=https://acme.sb01.workfront.com/",
                "--env", "uat:preview=https://acme.preview.workfront.com",
                "--env", "production=https://acme.my.workfront.com"]) == 0
    config = load_config("wfpromote.yaml")
    assert config.owner == "acme" and list(config.environments) == [
        "sandbox", "uat", "production"]
    assert config.environments["uat"].kind == "preview"
    assert config.environments["sandbox"].url == "https://acme.sb01.workfront.com"
    assert config.environments["production"].auth is not None
    assert config.environments["production"].auth.apikey_env == "WF_PRODUCTION_KEY"
    plan_job = Path(".github/workflows/wfpromote-plan.yml").read_text()
    apply_job = Path(".github/workflows/wfpromote-apply.yml").read_text()
    workflow = plan_job + apply_job
    assert "WF_SANDBOX_KEY: ${{ secrets.WF_SANDBOX_KEY }}" in plan_job
    assert "WF_UAT_KEY" not in plan_job  # a plan only reads through the first environment
    for name in ("WF_SANDBOX_KEY", "WF_UAT_KEY", "WF_PRODUCTION_KEY"):
        assert f"{name}: ${{{{ secrets.{name} }}}}" in apply_job
    assert "\r\n" not in workflow and "\r\n" not in Path("wfpromote.yaml").read_text()


def test_init_asks_for_environments_on_a_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("reconciler.console.is_terminal", lambda stream=None: True)
    answers = "http://acme.example\nhttps://acme.sb01.workfront.com\n-\nsimulator\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    assert run(["init", "--owner", "acme"]) == 0
    err = capsys.readouterr().err
    assert "sandbox URL" in err and "http:// for a host that is not on this machine" in err
    config = load_config("wfpromote.yaml")
    assert {n: e.url for n, e in config.environments.items()} == {
        "sandbox": "https://acme.sb01.workfront.com", "production": "simulator"}


def test_init_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path(".gitignore").write_text("node_modules/")  # kept, and extended
    Path("wfpromote.yaml").write_text("# mine\n")
    assert run(["init"]) == 1
    err = capsys.readouterr().err
    assert "init never overwrites: wfpromote.yaml" in err and "nothing was written" in err
    assert Path("wfpromote.yaml").read_text() == "# mine\n"
    assert not Path("promotions").exists() and not Path(".github").exists()
    assert Path(".gitignore").read_text() == "node_modules/"
    Path("wfpromote.yaml").unlink()
    assert run(["init", "--owner", "acme"]) == 0
    assert Path(".gitignore").read_text().splitlines()[0] == "node_modules/"
    assert ".wfpromote/" in Path(".gitignore").read_text().splitlines()


@pytest.mark.parametrize(("args", "message"), [
    (["--env", "sandbox"], "expected NAME[:KIND]=URL"),
    (["--env", "qa=https://qa.example.com"], "give the kind"),
    (["--env", "sandbox=http://acme.example"], "http:// for a host"),
    (["--owner", "bad owner"], "is not usable in a marker"),
])
def test_init_refuses_bad_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str], args: list[str],
                                  message: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["init", *args]) == 1
    assert message in capsys.readouterr().err
    assert not Path("wfpromote.yaml").exists()


def test_init_where_nothing_can_be_written_is_one_message_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a directory\n")
    # promotions/ cannot be made inside a file: the config written first is taken back.
    assert run(["init", str(blocker / "repo")]) == 1
    err = capsys.readouterr().err
    assert "cannot write the repository" in err and "Traceback" not in err
    assert run(["init", str(tmp_path / "ok")]) == 0  # the same run elsewhere works
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "promotions").write_text("in the way\n")
    assert run(["init", str(tmp_path / "half")]) == 1
    assert sorted(p.name for p in (tmp_path / "half").iterdir()) == ["promotions"]
