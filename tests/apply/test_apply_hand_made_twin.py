"""A package made by hand under the name of an owned one (issue 19, item 4), end to end.

Through the CLI against the simulator over HTTP: a saved plan made before the twin appeared
is stale even when it does not touch the owned package, and the plans after it say which
package is ours and how to pin it, instead of stopping at "matches several packages".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import Repo, new_repo, package_doc, sid

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]
NAME = "Agency Onboarding"


@pytest.fixture(params=["current", "2023"])
def repo(request: pytest.FixtureRequest, sim_server: StartSim, tmp_path: Path) -> Repo:
    repo = new_repo(tmp_path, sim_server(profile=request.param))
    repo.put("a.yaml", package_doc(NAME, "New Agency Onboarding", status="TESTING"))
    repo.put("b.yaml", package_doc("Campaign Kit", "Campaign Launch"))
    return repo


def cli(repo: Repo, *args: str) -> int:
    return run(["--config", str(repo.config_path), *args])


def hand_made_twin(repo: Repo, name: str = NAME) -> str:
    """A package someone made in the UI: same name, no marker."""
    made = repo.sim.state.create_package(
        {"name": name, "description": "made by hand", "source": "sandbox",
         "objectCollections": [{"objCode": "TMPL",
                                "entities": [{"ID": sid("TMPL", "Campaign Launch")}]}]},
        "sandbox")
    return made.id


def test_a_twin_of_an_untouched_owned_package_makes_a_saved_plan_stale(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(repo, "apply", "--auto-approve") == 0
    [owned] = repo.live(NAME)
    repo.put("b.yaml", package_doc("Campaign Kit", "Campaign Launch", description="changed"))
    plan_file = repo.root / "plan.json"
    assert cli(repo, "plan", "--out", str(plan_file)) == 0
    saved = json.loads(plan_file.read_text())
    changes = [a["name"] for a in saved["actions"] if a["action"] != "no-op"]
    assert changes == ["Campaign Kit"]  # the owned one is left as it is
    twin = hand_made_twin(repo)
    capsys.readouterr()
    assert cli(repo, "apply", str(plan_file)) == 1
    err = capsys.readouterr().err
    assert "stale plan: the remote packages changed since it was made" in err
    assert "Traceback" not in err
    kit = repo.live("Campaign Kit")[0]
    assert "changed" not in kit.description  # nothing written

    # The next plan is no dead end: it names which package is ours and the line to add.
    assert cli(repo, "plan") == 1
    err = capsys.readouterr().err
    assert owned.id in err and twin in err
    assert f"id: {owned.id}" in err and "promotions/a.yaml" in err
    assert "Traceback" not in err

    # Following the hint converges, and the hand-made package is left alone.
    document = package_doc(NAME, "New Agency Onboarding", status="TESTING")
    repo.put("a.yaml", {**document, "id": owned.id})
    assert cli(repo, "apply", "--auto-approve") == 0
    assert cli(repo, "plan", "--detailed-exitcode") == 0
    assert {p.id for p in repo.live(NAME)} == {owned.id, twin}
    assert repo.sim.state.get_package(twin).description == "made by hand"
