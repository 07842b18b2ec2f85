"""`wfpromote status` (the promotion matrix) in three formats, and `plan --prerun` in the
three plan renderers, over HTTP against the simulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from apply_sim import cli_out as cli
from apply_sim import installs_doc as doc
from apply_sim import new_repo, sid

from reconciler.simulator.server import SimulatorHandle

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_the_matrix_in_three_formats(profile: str, sim_server: Callable[..., SimulatorHandle],
                                     tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml",
             doc("Launch", "Campaign Launch", "TESTING",
                 [{"environment": "preview"}, {"environment": "production",
                                               "after": ["preview"]}]),
             doc("Offboarding", "New Agency Offboarding", "ACTIVE", [{"environment": "preview"}]))
    code, out = cli(repo, capsys, "status", "--format", "json")
    assert code == 0
    data = json.loads(out)
    schema = json.loads((ROOT / "schemas" / "status.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    cells = {p["name"]: p["cells"] for p in data["packages"]}
    assert cells["Launch"]["preview"]["state"] == "pending"
    assert cells["Launch"]["production"]["state"] == "blocked"
    assert [p["package_id"] for p in data["packages"]] == [None, None]

    assert repo.apply()[0] == 0
    code, out = cli(repo, capsys, "status", "--format", "json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(schema).validate(data)
    cells = {p["name"]: p["cells"] for p in data["packages"]}
    preview = cells["Launch"]["preview"]
    assert preview["state"] == "installed" and preview["declared"]
    assert preview["outcome"] == ("INSTALLED" if profile == "current" else "COMPLETED")
    assert preview["installation_id"] and preview["at"]
    assert cells["Launch"]["production"]["state"] == "blocked"
    assert "TESTING" in cells["Launch"]["production"]["reason"]
    assert cells["Offboarding"]["production"] == {
        "state": "none", "declared": False, "version": None, "at": None, "outcome": None,
        "installation_id": None, "reason": None, "content": None}

    code, text = cli(repo, capsys, "status")
    lines = text.splitlines()
    assert lines[0].split() == ["PACKAGE", "STATUS", "sandbox", "preview", "production"]
    launch = next(line for line in lines if line.startswith("Launch"))
    assert "installed" in launch and "blocked: a TESTING package" in launch

    code, markdown = cli(repo, capsys, "status", "--format", "markdown")
    assert "| PACKAGE | STATUS | sandbox | preview | production |" in markdown
    assert markdown.count("\n| ") == 1 + 1 + 2 - 1  # header, separator not counted, 2 rows


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_prerun_in_the_three_renderers(profile: str,
                                       sim_server: Callable[..., SimulatorHandle],
                                       tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    sim = sim_server(profile=profile)
    repo = new_repo(tmp_path, sim)
    repo.put("a.yaml", doc("Launch", "Campaign Launch", "ACTIVE", [{"environment": "preview"}]))
    assert repo.apply(reinstall=())[0] == 0
    # The 2023 API has no OVERWRITING (reference 1.4): there the matches stay USEEXISTING.
    matched = "OVERWRITING" if profile == "current" else "USEEXISTING"
    step = {"environment": "preview",
            "existing": "overwrite" if profile == "current" else "use",
            "overrides": {"TTSK": {sid("TTSK", "Creative Brief"): "IGNORE"}}}
    repo.put("a.yaml", doc("Launch", "Campaign Launch", "ACTIVE", [step]))
    before = len(sim.state.world.installations)
    code, out = cli(repo, capsys, "plan")
    assert len(sim.state.world.installations) == before  # no pre-run without --prerun
    assert "Pre-run" not in out

    code, out = cli(repo, capsys, "plan", "--prerun", "--reinstall", "preview",
                    "--format", "json")
    assert len(sim.state.world.installations) == before + 1   # the one write: a pre-run
    [preview] = json.loads(out)["prerun"]
    assert preview["environment"] == "preview" and preview["error"] is None
    # existing: overwrite turns the matches into OVERWRITING; the override wins over it
    counts = {"CREATE": 0, "USEEXISTING": 0, "OVERWRITING": 0, "IGNORE": 1, matched: 2}
    assert preview["counts"] == counts
    assert "TMPL Campaign Launch" in preview["records"][matched]
    assert preview["records"]["IGNORE"] == ["TTSK Creative Brief"]

    code, out = cli(repo, capsys, "plan", "--prerun", "--reinstall", "preview")
    assert code == 0
    assert "PACKAGE  ENVIRONMENT  CREATE  USEEXISTING  OVERWRITING  IGNORE" in out
    assert f"Launch -> preview {matched}: TMPL Campaign Launch" in out
    _code, out = cli(repo, capsys, "plan", "--prerun", "--reinstall", "preview",
                    "--format", "markdown")
    assert "<details><summary>Pre-run: 1 install(s) previewed, 0 not available" in out
    assert ("| Launch | preview | 0 | 0 | 2 | 1 |" if profile == "current"
            else "| Launch | preview | 0 | 2 | 0 | 1 |") in out


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_prerun_is_not_made_where_it_cannot_be_yet_and_says_why(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18 item 3: a status change pending in the plan (TESTING -> ACTIVE with an
    install into production), a package not created yet, a refused map: no pre-run request,
    no row of zeros, and the summary counts what was previewed and what was not."""
    sim = sim_server(profile=profile)
    repo = new_repo(tmp_path, sim)
    repo.put("a.yaml", doc("Launch", "Campaign Launch", "TESTING", [{"environment": "preview"}]))
    assert repo.apply()[0] == 0
    repo.put("a.yaml",
             doc("Launch", "Campaign Launch", "ACTIVE",
                 [{"environment": "preview"}, {"environment": "production",
                                               "after": ["preview"]}]),
             doc("Fresh", "New Agency Offboarding", "ACTIVE", [{"environment": "preview"}]),
             doc("Refused", "New Agency Onboarding", "ACTIVE", [{"environment": "sandbox"}]))
    assert repo.apply(targets=("Refused",))[0] == 0
    repo.put("a.yaml",
             doc("Launch", "Campaign Launch", "ACTIVE",
                 [{"environment": "preview"}, {"environment": "production",
                                               "after": ["preview"]}]),
             doc("Fresh", "New Agency Offboarding", "ACTIVE", [{"environment": "preview"}]),
             doc("Refused", "New Agency Onboarding", "ACTIVE", [
                 {"environment": "sandbox"},
                 {"environment": "preview",
                  "overrides": {"TMPL": {sid("TMPL", "New Agency Onboarding"): "USEEXISTING"}}}]))
    prepared = [i for i in sim.state.world.installations.values() if i.status == "PREPARING"]
    _code, out = cli(repo, capsys, "plan", "--prerun", "--format", "json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(
        json.loads((ROOT / "schemas" / "plan.schema.json").read_text())).validate(data)
    previews = {(p["name"], p["environment"]): p for p in data["prerun"]}
    assert set(previews) == {("Launch", "production"), ("Fresh", "preview"),
                             ("Refused", "preview")}
    for preview in previews.values():
        assert preview["available"] is False and preview["counts"] is None
    assert "status changes from TESTING to ACTIVE" in \
        previews[("Launch", "production")]["error"]
    assert "created" in previews[("Fresh", "preview")]["error"]
    assert previews[("Refused", "preview")]["error"].startswith("the map is refused: ")
    assert (data["summary"]["previewed"], data["summary"]["not_previewed"]) == (0, 3)
    # Only the refused map's pre-run was sent (the one that could be made).
    now = [i for i in sim.state.world.installations.values() if i.status == "PREPARING"]
    assert len(now) == len(prepared) + 1

    _code, text = cli(repo, capsys, "plan", "--prerun")
    assert "0 install(s) previewed, 3 not available" in text
    assert "Launch -> production: not available, because the package's status changes " \
        "from TESTING to ACTIVE" in text
    assert not any(line.split()[2:] == ["0", "0", "0", "0"] for line in text.splitlines()
                   if line.strip().startswith(("Launch", "Fresh", "Refused")))
    assert "| Launch | production | - | - | - | - |" in cli(
        repo, capsys, "plan", "--prerun", "--format", "markdown")[1]
    # apply performs the install the plan could not preview
    _code, out, _err = repo.apply(output_format="json")
    result = {(r["name"], r.get("environment")): r["outcome"]
              for r in json.loads(out)["results"] if r["action"] == "install"}
    assert result[("Launch", "production")] == "applied"
