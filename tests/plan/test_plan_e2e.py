"""End to end: the CLI plans the example repository against the simulator over real HTTP,
for both API profiles; a small helper performs the plan; the next plan is empty."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from plan_apply_helper import perform

from reconciler.cli import run
from reconciler.desired.config import load_config
from reconciler.output.saved import plan_from_data
from reconciler.plan.model import ActionKind, Plan, Reason, ReplaceStrategy

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())


def for_profile(folder: Path, profile: str) -> None:
    """The examples are written for `current`; the 2023 API has no OVERWRITING (reference
    1.4), so under `2023` their `existing: overwrite` lines go (validate refuses them)."""
    if profile != "2023":
        return
    for path in folder.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\n[ ]*existing: overwrite[^\n]*", "", text), encoding="utf-8")


@dataclass
class Repo:
    root: Path
    profile: str
    urls: dict[str, str]

    @property
    def config(self) -> Path:
        return self.root / "wfpromote.yaml"

    def write_config(self, prune: str = "disable") -> None:
        envs = "\n".join(
            f"  {name}: {{url: '{url}', kind: {name}, auth: {{apikey_env: WFP_E2E_KEY}}}}"
            for name, url in self.urls.items())
        self.config.write_text(f"api: '{self.profile}'\nowner: acme-workfront\n"
                               f"packages: packages/\nprune: {prune}\nenvironments:\n{envs}\n")

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / "packages" / rel
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))


@pytest.fixture(params=["current", "2023"])
def repo(request: pytest.FixtureRequest, sim_server, tmp_path: Path,  # type: ignore[no-untyped-def]
         monkeypatch: pytest.MonkeyPatch, canary: str) -> Repo:
    handle = sim_server(profile=request.param)
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "promotions", root,
                    ignore=shutil.ignore_patterns(".wfpromote"))
    for_profile(root / "packages", request.param)
    repo = Repo(root, request.param,
                {env: handle.url(env) for env in ("sandbox", "preview", "production")})
    repo.write_config()
    monkeypatch.setenv("WFP_E2E_KEY", canary)
    monkeypatch.chdir(root)
    return repo


def cli(repo: Repo, capsys: pytest.CaptureFixture[str], canary: str,
        *args: str) -> tuple[int, str]:
    code = run(["--config", str(repo.config), "plan", "--detailed-exitcode",
                "--out", "plan.json", *args])
    out, err = capsys.readouterr()
    assert canary not in out and canary not in err, "a secret leaked"
    saved = (repo.root / "plan.json").read_text()
    assert canary not in saved
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(saved))
    return code, out


def saved_plan(repo: Repo) -> Plan:
    return plan_from_data(json.loads((repo.root / "plan.json").read_text()))


def apply_saved(repo: Repo) -> None:
    from reconciler.run.clients import open_clients

    config = load_config(str(repo.config))
    plan = saved_plan(repo)

    async def go() -> None:
        async with open_clients(config) as clients:
            await perform(plan, clients)

    asyncio.run(go())


def kinds(plan: Plan) -> dict[str, tuple[ActionKind, Reason]]:
    return {a.name: (a.kind, a.reason) for a in plan.changes if a.kind is not ActionKind.INSTALL}


def installs(plan: Plan) -> set[tuple[str, str, Reason]]:
    return {(a.name, a.environment or "", a.reason) for a in plan.changes
            if a.kind is ActionKind.INSTALL}


def test_plan_apply_plan_converges_for_every_action(repo: Repo, capsys, canary) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(repo, capsys, canary)
    assert code == 2
    assert out.splitlines()[-1] == ("Plan: 8 to create, 0 to update, 0 to replace, "
                                    "0 to disable, 0 to delete, 9 to install.")
    apply_saved(repo)
    code, out = cli(repo, capsys, canary)
    assert (code, out.splitlines()[-1]) == (0, "No changes.")

    repo.edit("templates/agency-offboarding.yml", "agency relationship.",
              "agency relationship (reviewed).")
    repo.edit("templates/agency-offboarding.yml", "status: TESTING", "status: ACTIVE")
    repo.edit("dashboards.yaml", "  - objCode: PTLSEC\n    entities:\n      - {ID: "
              "d6efbe6476105783ea245fc0273865cf, name: Open Requests by Agency}\n", "")
    (repo.root / "packages" / "approvals.yaml").unlink()
    code, out = cli(repo, capsys, canary, "--replace", "Campaign Brief Form")
    assert code == 2
    plan = saved_plan(repo)
    assert kinds(plan) == {
        "Agency Offboarding": (ActionKind.UPDATE, Reason.FIELDS_CHANGED),
        "Agency Performance Dashboard": (ActionKind.REPLACE, Reason.CONTENT_CHANGED),
        "Campaign Brief Form": (ActionKind.REPLACE, Reason.REPLACE_REQUESTED),
        "Agency Approvals and Schedule": (ActionKind.DISABLE, Reason.NOT_DECLARED)}
    # A replaced package is a new version: its installs are planned after it, in order.
    assert installs(plan) == {
        ("Agency Performance Dashboard", "preview", Reason.NEW_VERSION),
        ("Agency Performance Dashboard", "production", Reason.NEW_VERSION),
        ("Campaign Brief Form", "preview", Reason.NEW_VERSION)}
    order = [(a.name, a.kind) for a in plan.changes if a.name == "Agency Performance Dashboard"]
    assert order == [("Agency Performance Dashboard", ActionKind.REPLACE),
                     ("Agency Performance Dashboard", ActionKind.INSTALL),
                     ("Agency Performance Dashboard", ActionKind.INSTALL)]
    # Content by reference is replaced by a new package under both profiles (a definition
    # by value would be PUT under 2023).
    replaces = [a for a in plan.changes if a.kind is ActionKind.REPLACE]
    assert {a.data()["strategy"] for a in replaces if a.change.body.definition is None} \
        <= {ReplaceStrategy.CREATE_THEN_DISABLE}
    assert {a.data()["strategy"] for a in replaces if a.change.body.definition is not None} \
        <= {ReplaceStrategy.PUT if repo.profile == "2023" else
            ReplaceStrategy.CREATE_THEN_DISABLE}
    assert "  -/+ Agency Performance Dashboard  replace (content_changed" in out
    apply_saved(repo)
    code, out = cli(repo, capsys, canary)
    assert (code, out.splitlines()[-1]) == (0, "No changes.")

    repo.write_config(prune="delete")
    (repo.root / "packages" / "people.yaml").unlink()
    code, out = cli(repo, capsys, canary)
    assert kinds(saved_plan(repo)) == {
        "Agency Groups and Roles": (ActionKind.DELETE, Reason.NOT_DECLARED),
        "Agency Approvals and Schedule": (ActionKind.DELETE, Reason.NOT_DECLARED)}
    apply_saved(repo)
    code, out = cli(repo, capsys, canary)
    assert (code, out.splitlines()[-1]) == (0, "No changes.")


def test_json_and_markdown_formats_and_errors(repo: Repo, capsys, canary) -> None:  # type: ignore[no-untyped-def]
    assert run(["--config", str(repo.config), "plan", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["summary"]["create"] == 8 and data["profile"] == repo.profile
    assert set(data["timings"]) == {"load", "list", "fetch", "diff"}

    assert run(["--config", str(repo.config), "plan", "--format", "markdown",
                "--markdown-budget", "2000", "--target", "Agency*"]) == 0
    md = capsys.readouterr().out
    assert len(md.encode()) <= 2000 and "partial plan" in md
    assert md.count("<details>") == md.count("</details>")

    for name in ("approvals.yaml", "people.yaml", "dashboards.yaml"):
        (repo.root / "packages" / name).unlink()
    shutil.rmtree(repo.root / "packages" / "templates")
    shutil.rmtree(repo.root / "packages" / "forms")
    assert run(["--config", str(repo.config), "plan"]) == 1
    err = capsys.readouterr().err
    assert "no packages are declared" in err and "--allow-empty" in err
    assert "Traceback" not in err


def test_adopt_fetches_unmarked_packages_and_takes_them_over(  # type: ignore[no-untyped-def]
        repo: Repo, capsys, canary, sim_server) -> None:
    handle = sim_server(profile=repo.profile)
    repo.urls = {env: handle.url(env) for env in repo.urls}
    repo.write_config()
    body = {"name": "Agency Offboarding", "description": "made in the UI",
            "source": handle.url("sandbox"),
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": "ebf9fbafc11a9c920d0136482a461591"}]}]}
    made = handle.state.create_package(body, "sandbox")

    assert run(["--config", str(repo.config), "plan"]) == 1
    err = capsys.readouterr().err
    assert "'Agency Offboarding' (id " in err and "no marker" in err and "--adopt" in err
    assert run(["--config", str(repo.config), "plan", "--adopt", "--target", "Agency Off*",
                "--out", "plan.json"]) == 0
    capsys.readouterr()
    (action,) = [a for a in saved_plan(repo).changes if a.kind is not ActionKind.INSTALL]
    assert (action.kind, action.reason, action.package_id) == (
        ActionKind.UPDATE, Reason.ADOPTED, made.id)
    assert {d.path for d in action.diffs} == {"ownership", "description", "status"}


def test_colour_follows_flags_and_environment(  # type: ignore[no-untyped-def]
        repo: Repo, capsys, monkeypatch) -> None:
    def out(*args: str) -> str:
        assert run(["--config", str(repo.config), *args, "plan"]) == 0
        return capsys.readouterr().out

    assert "\x1b[" not in out()                       # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in out()
    assert "\x1b[" not in out("--no-color")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in out()
