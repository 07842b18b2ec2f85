"""The install path under every setting of every simulator behaviour knob, both profiles
(issue 18 item 9): where the API reference is silent the simulator can answer either way, and
wfpromote must install correctly whichever way the service answers.

One scenario per setting, through the apply engine over real HTTP on 127.0.0.1: create a
package, pre-run, install into preview with overrides (an ignored record the pre-run would
create, an ignored record the target holds), then into production behind `after: [preview]`
with `existing: overwrite` (current) and a matched child kept USEEXISTING; then the next apply
and plan find nothing to do (no install repeated)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import new_repo, sid

from reconciler.cli import run
from reconciler.simulator.behaviour import Behaviour, every_setting
from reconciler.simulator.faults import Faults
from reconciler.simulator.seed import SourceRecord
from reconciler.simulator.server import SimulatorHandle

SETTINGS = every_setting()


def scenario(profile: str) -> dict[str, Any]:
    production: dict[str, Any] = {
        "environment": "production", "after": ["preview"],
        "overrides": {"TTSK": {sid("TTSK", "Creative Brief"): "USEEXISTING"}}}
    if profile == "current":   # the 2023 API has no OVERWRITING (reference 1.4)
        production["existing"] = "overwrite"
    return {
        "name": "Agency Templates", "description": "matrix", "source": "sandbox",
        "status": "ACTIVE",
        "objectCollections": [{"objCode": "TMPL", "entities": [
            {"ID": sid("TMPL", "New Agency Onboarding")},
            {"ID": sid("TMPL", "Campaign Launch")}]}],
        "install": [
            {"environment": "preview", "overrides": {
                "RRUL": {sid("RRUL", "Route to Onboarding"): "IGNORE"},   # would be created
                "TMPL": {sid("TMPL", "Campaign Launch"): "IGNORE"}}},     # preview holds it
            production]}


@pytest.mark.parametrize("profile", ["current", "2023"])
@pytest.mark.parametrize(("knob", "value"), SETTINGS, ids=[f"{k}={v}" for k, v in SETTINGS])
def test_the_install_path_under_every_knob(
        knob: str, value: str, profile: str, sim_server: Callable[..., SimulatorHandle],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    behaviour = Behaviour().with_(**{knob: value})
    sim = sim_server(profile=profile, faults=Faults(behaviour=behaviour))
    production = sim.state.world.environments["production"]
    launch = production.find("TMPL", "Campaign Launch")
    assert launch is not None
    production.records["brief"] = SourceRecord("TTSK", "brief", "Creative Brief", "old",
                                                launch.ID)
    repo = new_repo(tmp_path, sim)
    repo.put("a.yaml", scenario(profile))

    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    results = json.loads(out)["results"]
    outcomes = {(r["action"], r.get("environment")): r["outcome"] for r in results}
    assert outcomes == {("create", None): "applied", ("install", "preview"): "applied",
                        ("install", "production"): "applied"}, outcomes
    details = {r.get("environment"): r.get("details") for r in results}
    assert "2 ignored" in details["preview"][0] and "0 failed" in details["preview"][0]

    preview = sim.state.world.environments["preview"]
    assert preview.find("TMPL", "New Agency Onboarding") is not None
    assert preview.find("RRUL", "Route to Onboarding") is None
    assert preview.find("TTSK", "Launch Review") is not None   # the ignored template's tasks
    brief = production.records["brief"]
    if profile == "current":
        # an overwritten parent updates its matched children (reference 2.5)
        assert brief.description == "Creative Brief (seeded in sandbox)"
        assert launch.description == "Campaign Launch (seeded in sandbox)"
        assert "0 used existing" in details["production"][0]
    else:
        assert brief.description == "old"
    new_task = production.find("TTSK", "Launch Review")
    assert new_task is not None and new_task.parentID == launch.ID

    # converged: nothing to do, no install repeated
    count = len(sim.state.world.installations)
    code, out, err = repo.apply(output_format="json")
    assert (code, json.loads(out)["results"]) == (0, []), out + err
    assert len(sim.state.world.installations) == count
    assert run(["--config", str(repo.config_path), "plan", "--detailed-exitcode"]) == 0
    capsys.readouterr()
