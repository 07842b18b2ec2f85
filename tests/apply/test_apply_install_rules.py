"""Install rules of issue 18, end to end through the CLI against the simulator over HTTP, in
both profiles: the IGNORE cascade judged by the package's own parent links (item 2), and CREATE
over a matched record whose names must be unique (item 5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, new_repo, sid

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

PROFILES = ["current", "2023"]
Start = Callable[..., SimulatorHandle]


def doc(name: str, collections: dict[str, list[str]],
        install: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "description": f"{name} (tests)", "source": "sandbox",
            "status": "ACTIVE", "install": install,
            "objectCollections": [{"objCode": code, "entities": [
                {"ID": sid(code, n), "name": n} for n in names]}
                for code, names in collections.items()]}


def install_result(out: str, env: str = "preview") -> dict[str, Any]:
    [found] = [r for r in json.loads(out)["results"]
               if r["action"] == "install" and r["environment"] == env]
    return dict(found)


def records(repo: Repo, env: str, code: str) -> dict[str, Any]:
    return {r.name: r for r in repo.sim.state.world.environments[env].records.values()
            if r.objCode == code}


def cli(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(["--config", str(repo.config_path), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("profile", PROFILES)
def test_ignoring_one_template_with_its_own_tasks_installs_the_other(
        profile: str, sim_server: Start, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: two templates, one ignored in preview with its own tasks. The check
    used to attribute the other template's tasks to the ignored one and refuse."""
    repo = new_repo(tmp_path, sim_server(profile=profile))
    ignored = {"TMPL": {sid("TMPL", "New Agency Offboarding"): "IGNORE"},
               "TTSK": {sid("TTSK", "Exit Interview"): "IGNORE",
                        sid("TTSK", "Revoke Access"): "IGNORE"}}
    repo.put("a.yaml", doc("Agency Templates",
                           {"TMPL": ["New Agency Onboarding", "New Agency Offboarding"]},
                           [{"environment": "preview", "overrides": ignored}]))
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    result = install_result(out)
    assert result["outcome"] == "applied", result
    templates = records(repo, "preview", "TMPL")
    assert "New Agency Onboarding" in templates and "New Agency Offboarding" not in templates
    tasks = records(repo, "preview", "TTSK")
    assert {"Kickoff Call", "Contract Review", "Account Setup"} <= set(tasks)
    assert not {"Exit Interview", "Revoke Access"} & set(tasks)
    assert tasks["Kickoff Call"].parentID == templates["New Agency Onboarding"].ID
    assert "3 ignored" in result["details"][0]


@pytest.mark.parametrize("profile", PROFILES)
def test_ignoring_a_template_without_its_own_tasks_is_refused_naming_only_those(
        profile: str, sim_server: Start, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    ignored = {"TMPL": {sid("TMPL", "New Agency Offboarding"): "IGNORE"}}
    collections = {"TMPL": ["New Agency Onboarding", "New Agency Offboarding"]}
    repo.put("a.yaml", doc("Agency Templates", collections, []))
    assert repo.apply()[0] == 0
    repo.put("a.yaml", doc("Agency Templates", collections,
                           [{"environment": "preview", "overrides": ignored}]))
    code, out = cli(repo, capsys, "plan", "--prerun")
    assert ("TMPL New Agency Offboarding -> TTSK Exit Interview, TTSK Revoke Access"
            in out), out
    assert "Kickoff Call" not in out
    code, out, _err = repo.apply(output_format="json")
    assert code == 1
    error = install_result(out)["error"]
    assert "TMPL New Agency Offboarding -> TTSK Exit Interview, TTSK Revoke Access" in error
    assert "Kickoff Call" not in error
    # refused before the install: only pre-run records (apply's, and plan --prerun's)
    assert {i.status for i in repo.sim.state.world.installations.values()} == {"PREPARING"}


@pytest.mark.parametrize("profile", PROFILES)
def test_an_ignored_matched_template_lets_its_new_tasks_fall_back(
        profile: str, sim_server: Start, tmp_path: Path) -> None:
    """Campaign Launch is in preview already (USEEXISTING): ignoring it asks nothing of its
    tasks (reference 2.4: dependants fall back), and the install succeeds."""
    repo = new_repo(tmp_path, sim_server(profile=profile))
    ignored = {"TMPL": {sid("TMPL", "Campaign Launch"): "IGNORE"}}
    repo.put("a.yaml", doc("Launch", {"TMPL": ["Campaign Launch"]},
                           [{"environment": "preview", "overrides": ignored}]))
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    assert {"Creative Brief", "Launch Review"} <= set(records(repo, "preview", "TTSK"))


@pytest.mark.parametrize("profile", PROFILES)
def test_create_over_a_matched_group_is_refused_before_the_install(
        profile: str, sim_server: Start, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    group = sid("GROUP", "Default Group")
    repo.put("a.yaml", doc("Groups", {"GROUP": ["Default Group"]},
                           [{"environment": "production",
                             "overrides": {"GROUP": {group: "CREATE"}}}]))
    code, out = cli(repo, capsys, "plan")
    assert code == 0
    assert ("install into 'production': override CREATE of GROUP "
            f"{group}, a type whose names must be unique in the target") in out
    code, out, _err = repo.apply(output_format="json")
    assert code == 1
    error = install_result(out, "production")["error"]
    assert "CREATE of record(s) the target already holds, whose names must be unique there: "\
           "GROUP Default Group" in error
    assert "promotions/a.yaml:1" in error
    assert {i.status for i in repo.sim.state.world.installations.values()} == {"PREPARING"}
    assert len([r for r in records(repo, "production", "GROUP")]) == 1
    # a type whose names may repeat (templates, 2.4) is created as asked
    template = sid("TMPL", "Campaign Launch")
    repo.put("b.yaml", doc("Launch", {"TMPL": ["Campaign Launch"]},
                           [{"environment": "production",
                             "overrides": {"TMPL": {template: "CREATE"}}}]))
    code, out, err = repo.apply(output_format="json", targets=("Launch",))
    assert code == 0, out + err
    launches = [r for r in repo.sim.state.world.environments["production"].records.values()
                if r.objCode == "TMPL" and r.name == "Campaign Launch"]
    assert len(launches) == 2
