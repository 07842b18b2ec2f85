"""Installs end to end, over HTTP against the simulator, in both profiles: gates, `existing`,
overrides (valid, unknown ID, the IGNORE cascade), failed and stalled installs, retries,
--reinstall and a credential only the target environment has."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, new_repo, sid

from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.errors import WfpromoteError
from reconciler.run.credentials import MissingCredentials
from reconciler.simulator.faults import Faults
from reconciler.simulator.server import SimulatorHandle

PROFILES = ["current", "2023"]


def doc(name: str, *templates: str, status: str = "ACTIVE", code: str = "TMPL",
        install: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": name, "description": f"{name} (tests)", "source": "sandbox",
            "status": status,
            "objectCollections": [{"objCode": code, "entities": [
                {"ID": sid(code, t), "name": t} for t in templates]}],
            "install": install or []}


def results(out: str) -> list[dict[str, Any]]:
    return list(json.loads(out)["results"])


def installs(out: str) -> dict[str, dict[str, Any]]:
    return {r["environment"]: r for r in results(out) if r["action"] == "install"}


def plan_json(repo: Repo, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = run(["--config", str(repo.config_path), "plan", "--format", "json",
                "--detailed-exitcode", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("{") else out


def target_record(repo: Repo, env: str, code: str, name: str) -> Any:
    found = [r for r in repo.sim.state.world.environments[env].records.values()
             if r.objCode == code and r.name == name]
    return found[0] if found else None


@pytest.mark.parametrize("profile", PROFILES)
def test_each_gate_blocks_with_its_reason_and_the_rest_runs(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml",
             doc("Testing Package", "Campaign Launch", status="TESTING", install=[
                 {"environment": "preview"},
                 {"environment": "production", "after": ["preview"]}]),
             doc("Draft Package", "New Agency Offboarding", status="DRAFT",
                 install=[{"environment": "preview"}]),
             doc("Gated Package", "New Agency Onboarding", status="TESTING", install=[
                 {"environment": "production"},
                 {"environment": "preview", "after": ["production"]}]))
    code, plan = plan_json(repo, capsys)
    assert code == 2
    blocked = {(a["name"], a["environment"]): a.get("blocked") for a in plan["actions"]
               if a["action"] == "install"}
    assert blocked[("Testing Package", "preview")] is None
    assert "TESTING package cannot be installed into a production environment" in \
        blocked[("Testing Package", "production")]
    assert "DRAFT package cannot be installed anywhere" in blocked[("Draft Package", "preview")]
    assert "after production" in blocked[("Gated Package", "preview")]
    assert "that install is blocked" in blocked[("Gated Package", "preview")]
    assert plan["summary"]["blocked"] == 4 and plan["summary"]["install"] == 5

    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    outcomes = {(r["name"], r.get("environment")): r["outcome"] for r in results(out)
                if r["action"] == "install"}
    assert outcomes == {("Testing Package", "preview"): "applied",
                        ("Testing Package", "production"): "blocked",
                        ("Draft Package", "preview"): "blocked",
                        ("Gated Package", "production"): "blocked",
                        ("Gated Package", "preview"): "blocked"}
    # Still blocked, so still a change for --detailed-exitcode; the done install is not.
    code, plan = plan_json(repo, capsys)
    assert code == 2 and plan["summary"]["install"] == plan["summary"]["blocked"] == 4
    # The gate opens when the package becomes ACTIVE: the after: gate is met by the done
    # preview install.
    repo.put("a.yaml", doc("Testing Package", "Campaign Launch", status="ACTIVE", install=[
        {"environment": "preview"}, {"environment": "production", "after": ["preview"]}]))
    code, plan = plan_json(repo, capsys, "--target", "Testing Package")
    [action] = [a for a in plan["actions"] if a["action"] == "install"]
    assert (action["environment"], action.get("blocked")) == ("production", None)
    assert action["after"]["gates"] == ["after preview: done"]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("existing", ["use", "overwrite"])
def test_existing_overwrite_updates_what_the_target_holds(
        profile: str, existing: str, sim_server: Callable[..., SimulatorHandle],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch", install=[
        {"environment": "preview", "existing": existing}]))
    code, _plan = plan_json(repo, capsys)
    if profile == "2023" and existing == "overwrite":
        # The July 2023 API has no OVERWRITING (reference 1.4): refused before any request.
        assert code == 1
        assert run(["--config", str(repo.config_path), "validate"]) == 1
        assert "OVERWRITING arrived 2024-03" in capsys.readouterr().err
        assert not repo.sim.state.world.installations
        return
    assert code == 2
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    record = target_record(repo, "preview", "TMPL", "Campaign Launch")
    details = installs(out)["preview"]["details"]
    if existing == "overwrite":
        assert record.description == "Campaign Launch (seeded in sandbox)"
        assert details[0] == ("records: 2 created, 0 used existing, 1 overwritten, "
                              "0 ignored, 0 failed")
        # children only in the package were created under the overwritten parent
        task = target_record(repo, "preview", "TTSK", "Creative Brief")
        assert task is not None and task.parentID == record.ID
    else:
        assert record.description == "Campaign Launch (seeded in preview)"
        assert details[0].startswith("records: 2 created, 1 used existing, 0 overwritten")


@pytest.mark.parametrize("profile", PROFILES)
def test_a_valid_override_is_installed(profile: str, sim_server: Callable[..., SimulatorHandle],
                                       tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    rule = sid("RRUL", "Route to Onboarding")
    repo.put("a.yaml", doc("Agency Onboarding", "New Agency Onboarding", install=[
        {"environment": "preview", "overrides": {"RRUL": {rule: "IGNORE"}}}]))
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    assert target_record(repo, "preview", "TMPL", "New Agency Onboarding") is not None
    assert target_record(repo, "preview", "RRUL", "Route to Onboarding") is None
    assert "1 ignored" in installs(out)["preview"]["details"][0]
    # the edited map went out (E11 under current, E7's body under 2023), targetId "" for IGNORE
    done = [i for i in repo.sim.state.world.installations.values() if i.status == "INSTALLED"]
    assert [i.translationMap["RRUL"][rule]["action"] for i in done] == ["IGNORE"]
    assert done[0].translationMap["RRUL"][rule]["targetId"] == ""


@pytest.mark.parametrize("profile", PROFILES)
def test_an_unknown_override_id_names_the_file_and_line(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml", doc("Other", "Campaign Launch"),
             doc("Agency Onboarding", "New Agency Onboarding", install=[
                 {"environment": "preview", "overrides": {"TTSK": {"f" * 32: "IGNORE"}}}]))
    code, out, _err = repo.apply(output_format="json")
    assert code == 1
    result = installs(out)["preview"]
    assert result["outcome"] == "failed"
    assert "promotions/a.yaml:3: " in result["error"]
    assert f"TTSK {'f' * 32}" in result["error"]
    assert target_record(repo, "preview", "TMPL", "New Agency Onboarding") is None


@pytest.mark.parametrize("profile", PROFILES)
def test_ignoring_a_created_parent_needs_its_children_ignored(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    template = sid("TMPL", "New Agency Onboarding")
    repo.put("a.yaml", doc("Agency Onboarding", "New Agency Onboarding", "Campaign Launch",
                           install=[{"environment": "preview",
                                     "overrides": {"TMPL": {template: "IGNORE"}}}]))
    code, out, _err = repo.apply(output_format="json")
    assert code == 1
    error = installs(out)["preview"]["error"]
    assert "children that are not ignored" in error
    # its own children, by the package's parent links: not the other template's tasks, and
    # not grandchildren (a task that is installed keeps its assignments)
    for child in ("TTSK Kickoff Call", "TTSK Account Setup", "QUED Agency Requests Queue",
                  "RRUL Route to Onboarding"):
        assert child in error
    for other in ("TTSK Creative Brief", "TASSGN Kickoff Call: Account Manager",
                  "QUET Access Request"):
        assert other not in error
    assert not any(i.status != "PREPARING" for i in
                   repo.sim.state.world.installations.values())  # refused before installing
    assert target_record(repo, "preview", "TMPL", "New Agency Onboarding") is None


@pytest.mark.parametrize("profile", PROFILES)
def test_a_failed_install_names_every_failed_record_and_is_retried(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile,
                                         faults=Faults(fail_records=("Agency Partners",))))
    role = sid("ROLE", "Creative Director")
    package = {**doc("Groups", "Agency Partners", code="GROUP",
                     install=[{"environment": "preview"}])}
    package["objectCollections"].append({"objCode": "ROLE", "entities": [{"ID": role}]})
    repo.put("a.yaml", package)
    code, out, _err = repo.apply(output_format="json")
    assert code == 1
    result = installs(out)["preview"]
    assert result["outcome"] == "failed"
    assert "GROUP Agency Partners" in result["error"]
    assert "failureReason: simulated failure of GROUP 'Agency Partners'" in result["error"]
    assert any(d.startswith("failed: GROUP Agency Partners") for d in result["details"])
    assert "1 failed" in result["details"][0]
    code, plan = plan_json(repo, capsys)
    [action] = [a for a in plan["actions"] if a["action"] == "install"]
    assert action["reason"] == "install_failed"
    assert action["before"]["status"] == "FAILED"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_stalled_install_hits_the_timeout_and_reports_the_raw_status(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    clock = FakeClock()
    repo = new_repo(tmp_path, sim_server(profile=profile, clock=clock, install_seconds=10_000),
                    extra="simulator: {assembly_seconds: 0}\ntimeouts: {install: 60}\n")
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch",
                           install=[{"environment": "preview"}]))
    start = clock.monotonic()
    code, out, _err = repo.apply(output_format="json", clock=clock)
    assert code == 1
    error = installs(out)["preview"]["error"]
    assert "timed out waiting for installation after 60 s" in error
    assert "still reads status 'PREPARING'" in error
    assert 60 <= clock.monotonic() - start < 120


@pytest.mark.parametrize("profile", PROFILES)
def test_reinstall_installs_a_done_install_again(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch",
                           install=[{"environment": "preview"}]))
    assert repo.apply()[0] == 0
    code, out, _err = repo.apply(output_format="json")
    assert (code, results(out)) == (0, [])
    code, out, _err = repo.apply(output_format="json", reinstall=("preview",))
    assert code == 0 and installs(out)["preview"]["outcome"] == "applied"
    with pytest.raises(WfpromoteError, match="--reinstall 'previw'"):
        repo.apply(reinstall=("previw",))


def test_a_target_only_credential_is_read_only_when_talking_to_the_target(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    sim = sim_server()
    repo = Repo(tmp_path, sim)
    repo.config_path.write_text(
        "api: current\nowner: o\npackages: promotions/\nenvironments:\n"
        f"  sandbox: {{url: {sim.url('sandbox')}, kind: sandbox}}\n"
        f"  production: {{url: {sim.url('production')}, kind: production, "
        "auth: {apikey_env: WF_PROD_KEY}}\n"
        "simulator: {assembly_seconds: 0}\n", encoding="utf-8")
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch",
                           install=[{"environment": "production"}]))
    monkeypatch.delenv("WF_PROD_KEY", raising=False)
    code, _plan = plan_json(repo, capsys)      # no pre-run: only the listing environment
    assert code == 2
    with pytest.raises(MissingCredentials, match=r"\$WF_PROD_KEY .*'production'"):
        repo.apply(output_format="json")          # refused before the first write
    assert repo.sim.state.world.packages == {}
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch"))
    assert repo.apply()[0] == 0                   # no install: no production credential
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch",
                           install=[{"environment": "production"}]))
    monkeypatch.setenv("WF_PROD_KEY", canary)
    code = run(["--config", str(repo.config_path), "-vv", "plan", "--prerun"])
    captured = capsys.readouterr()
    assert code == 0 and canary not in captured.out + captured.err
    assert "Campaign Launch -> production USEEXISTING: TMPL Campaign Launch" in captured.out
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    assert canary not in out + err
    assert installs(out)["production"]["outcome"] == "applied"


def test_a_saved_plan_never_repeats_an_install_made_since(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server())
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch",
                           install=[{"environment": "preview"}]))
    assert repo.apply()[0] == 0
    repo.put("a.yaml", doc("Campaign Launch", "Campaign Launch",
                           install=[{"environment": "preview"}, {"environment": "sandbox"}]))
    saved = tmp_path / "plan.json"
    assert run(["--config", str(repo.config_path), "plan", "--out", str(saved)]) == 0
    capsys.readouterr()
    assert repo.apply()[0] == 0          # someone installs into sandbox meanwhile
    count = len(repo.sim.state.world.installations)
    code, out, _err = repo.apply(str(saved), output_format="json")
    assert code == 0, out
    result = installs(out)["sandbox"]
    assert result["outcome"] == "applied"
    assert result["details"][0].startswith("already installed (installation ")
    assert len(repo.sim.state.world.installations) == count   # no pre-run, no install
    with pytest.raises(WfpromoteError, match="--reinstall cannot change a saved plan"):
        repo.apply(str(saved), reinstall=("sandbox",))


@pytest.mark.parametrize("profile", PROFILES)
def test_installs_sharing_a_record_into_one_environment_take_turns(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    """Both packages hold the group "Agency Partners" (names of groups are unique). Run at
    once, both pre-runs would say CREATE and the second install would fail; the record lock
    makes the second wait, pre-run again (now USEEXISTING) and succeed."""
    clock = FakeClock()
    repo = new_repo(tmp_path, sim_server(profile=profile, clock=clock, install_seconds=5))
    group = {"objCode": "GROUP", "entities": [{"ID": sid("GROUP", "Agency Partners")}]}
    first = doc("Partners One", "Campaign Launch", install=[{"environment": "preview"}])
    second = doc("Partners Two", "New Agency Offboarding", install=[{"environment": "preview"}])
    first["objectCollections"].append(group)
    second["objectCollections"].append(group)
    repo.put("a.yaml", first, second)
    code, out, err = repo.apply(output_format="json", clock=clock)
    assert code == 0, out + err
    done = installs_by_name(out)
    assert {d["outcome"] for d in done.values()} == {"applied"}
    # one created the group, the other (after waiting and a second pre-run) used it: without
    # the lock, its first pre-run's CREATE would have failed on the unique group name
    groups = [r for r in repo.sim.state.world.environments["preview"].records.values()
              if r.objCode == "GROUP" and r.name == "Agency Partners"]
    assert len(groups) == 1
    prepared = [i for i in repo.sim.state.world.installations.values()
                if i.status == "PREPARING"]
    assert len(prepared) == 1  # the waiting install's first pre-run, never installed


def installs_by_name(out: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in results(out) if r["action"] == "install"}

