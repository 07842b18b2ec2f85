"""How the CLI behaves in CI and for scripts: exit codes, CI detection, help, quick start."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import GOOD, Repo, assert_one_error

from reconciler.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [
    ("plan", "--detailed-exitcode", "--no-such-flag"),
    ("plan", "--format", "yaml"),
    ("no-such-command",),
    ("apply", "--concurrency", "0"),
])
def test_a_usage_error_exits_1_never_2(repo: Repo, args: tuple[str, ...]) -> None:
    # 2 means "there are changes" under --detailed-exitcode; a CI step written as
    # `wfpromote plan --detailed-exitcode || test $? -eq 2` must not pass on a typo.
    outcome = repo.cli(*args)
    assert outcome.code == 1, outcome.text
    assert "Traceback" not in outcome.text and "Error:" in outcome.err


@pytest.mark.parametrize("ci", ["true", "woodpecker", "yes"])
@pytest.mark.parametrize("command", [("plan",), ("apply", "--auto-approve")])
def test_ci_refuses_the_embedded_simulator_with_one_message(
        repo: Repo, monkeypatch: pytest.MonkeyPatch, ci: str,
        command: tuple[str, ...]) -> None:
    repo.package("a.yaml", GOOD)
    monkeypatch.setenv("CI", ci)
    outcome = repo.cli(*command)
    assert_one_error(outcome, "refused in CI", "wfpromote plan --allow-simulator")
    assert outcome.err.count("error:") == 1 and outcome.out == ""
    assert not (repo.root / ".wfpromote" / "simulator.json").exists()


@pytest.mark.parametrize("ci", ["false", "0", "no", "off", ""])
def test_ci_switched_off_allows_the_simulator(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                              ci: str) -> None:
    repo.package("a.yaml", GOOD)
    monkeypatch.setenv("CI", ci)
    assert repo.cli("plan").code == 0


def test_in_ci_without_a_terminal_apply_needs_auto_approve(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.package("a.yaml", GOOD)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    outcome = repo.cli("--allow-simulator", "apply")
    assert_one_error(outcome, "no terminal", "--auto-approve")


@pytest.mark.parametrize(("key", "url"), [
    ("url", "https://acme.my.workfront.com/?sessionID=zq-in-url-7781"),
    ("url", "https://acme.my.workfront.com/#zq-in-url-7781"),
])
def test_a_url_with_a_query_is_refused_and_not_quoted(repo: Repo, key: str, url: str) -> None:
    repo.write("wfpromote.yaml", f"owner: acme\nenvironments:\n  sandbox: {{{key}: '{url}', "
                                 "kind: sandbox, auth: {apikey_env: WF_KEY}}\n")
    outcome = repo.validate()
    assert_one_error(outcome, "wfpromote.yaml:3", "query string", "$.environments.sandbox.url")
    assert "zq-in-url" not in outcome.text


def test_a_token_url_with_a_query_is_refused(repo: Repo) -> None:
    repo.write("wfpromote.yaml", (
        "owner: acme\nenvironments:\n  sandbox:\n    url: https://acme.my.workfront.com\n"
        "    kind: sandbox\n    auth:\n      oauth:\n        client_id_env: WF_CID\n"
        "        client_secret_env: WF_SECRET\n"
        "        token_url: 'https://ims.example.test/token?client_secret=zq-in-url-7781'\n"))
    outcome = repo.validate()
    assert_one_error(outcome, "wfpromote.yaml:10", "token_url", "query string")
    assert "zq-in-url" not in outcome.text


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(cli), ids=lambda c: " ".join(c) or "wfpromote")
def test_every_help_shows_an_example(repo: Repo, command: tuple[str, ...]) -> None:
    outcome = repo.cli(*command, "--help")
    assert outcome.code == 0
    assert "Example" in outcome.out and "wfpromote " in outcome.out.split("Example", 1)[1]


def test_help_imports_no_heavy_module() -> None:
    # `wfpromote --help` must start fast (< 0.3 s): pydantic, httpx, the YAML parser and the
    # simulator are imported by the commands that need them, never by the CLI module.
    probe = ("import sys, reconciler.cli; print(sorted({m.split('.')[0] for m in sys.modules} "
             "& {'pydantic', 'httpx', 'ruamel', 'uvicorn', 'starlette', 'jsonschema', 'rich'}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_a_run_that_talks_http_does_not_import_the_httpx_command_line(tmp_path: Path) -> None:
    # httpx imports its command-line client (rich, pygments) when they are installed; the
    # wfpromote process blocks that module (cli.without_httpx_cli), a plain import does not.
    pytest.importorskip("rich")
    (tmp_path / "wfpromote.yaml").write_text(
        "owner: acme\npackages: packages/\nenvironments:\n"
        "  sandbox: {url: simulator, kind: sandbox}\n", encoding="utf-8")
    (tmp_path / "packages").mkdir()
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "reconciler", "plan",
                           "--allow-empty"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert done.returncode == 0, done.stderr[-2000:]
    assert "httpx" in imported and "httpx._client" in imported
    assert not {"rich", "pygments"} & imported
    probe = "import reconciler, httpx, sys; print('rich' in sys.modules)"
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=ROOT, check=True, timeout=60)
    assert plain.stdout.strip() == "True"  # importing reconciler changes nothing of httpx


def test_simulator_reset_forgets_the_configured_state(repo: Repo, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "wfpromote.yaml").write_text(
        "owner: acme\nenvironments:\n  sandbox: {url: simulator, kind: sandbox}\n"
        "simulator: {state: state/sim.json}\n", encoding="utf-8")
    state = other / "state" / "sim.json"
    state.parent.mkdir()
    state.write_text("{}", encoding="utf-8")
    outcome = repo.cli("--config", str(other / "wfpromote.yaml"), "simulator", "reset")
    assert outcome.code == 0 and "Deleted" in outcome.err
    assert not state.exists()


def test_readme_quick_start_is_make_demo_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_readme_examples_validate(repo: Repo) -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config, package = re.findall(r"```yaml\n(.*?)```", readme, re.S)[:2]
    repo.write("wfpromote.yaml", config)
    repo.write("promotions/agency.yaml", package)
    outcome = repo.validate()
    assert outcome.code == 0, outcome.text
    assert "validated 1 package in 1 file: ok" in outcome.err


@pytest.mark.parametrize("verbose", [(), ("-vv",)])
def test_an_unexpected_error_is_one_redacted_message(
        repo: Repo, monkeypatch: pytest.MonkeyPatch, canary: str,
        verbose: tuple[str, ...]) -> None:
    from reconciler import redact

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom with {canary}")

    redact.register(canary)
    monkeypatch.setattr("reconciler.desired.loader.collect", broken)
    outcome = repo.cli(*verbose, "validate")
    assert outcome.code == 1
    assert "internal error (RuntimeError: boom with ***)" in outcome.err
    assert "report it" in outcome.err and canary not in outcome.text
    assert ("Traceback" in outcome.err) == bool(verbose)  # only at -vv, redacted
