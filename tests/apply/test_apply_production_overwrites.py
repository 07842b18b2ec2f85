"""Issue 18 item 4: `existing: overwrite` into production is never silent. The plan names
the intent without a pre-run and every OVERWRITING record (objCode and name) with
`--prerun`, in text, Markdown and JSON; the overwrite counts in the safety check like a
disable; apply names the records before the install request. Over HTTP, under `current`:
the 2023 API has no OVERWRITING, and `validate` refuses it there (reference 1.4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import new_repo, sid

from reconciler.cli import run
from reconciler.errors import UnsafePlan
from reconciler.simulator.server import SimulatorHandle


def groups(*install: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Launch Kit", "description": "tests", "source": "sandbox",
            "status": "ACTIVE",
            "objectCollections": [
                {"objCode": "TMPL", "entities": [{"ID": sid("TMPL", "Campaign Launch")}]},
                {"objCode": "GROUP", "entities": [{"ID": sid("GROUP", "Default Group")}]}],
            "install": list(install)}


def plan(repo: Any, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(["--config", str(repo.config_path), "plan", *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("profile", ["current"])
def test_overwrites_in_production_are_listed_and_guarded(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml", groups({"environment": "preview"}))
    assert repo.apply()[0] == 0
    repo.put("a.yaml", groups({"environment": "preview"},
                              {"environment": "production", "existing": "overwrite"}))

    # Without a pre-run: the declared intent, and the safety check counts it like a disable
    # (one of the one managed package).
    code, out = plan(repo, capsys, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["safety"]["status"] == "refused"
    assert data["safety"]["rule"] == "majority"
    assert "1 of them by overwriting records in production" in data["safety"]["message"]
    [notice] = [w for w in data["warnings"] if "overwrites" in w]
    assert "production environment 'production' overwrites every record the pre-run " \
        "matches in production (existing: overwrite)" in notice
    code, text = plan(repo, capsys)
    assert code == 1 and "Refused by the safety check" in text and notice in text

    # With --prerun: every OVERWRITING record by objCode and name, in the three formats.
    listed = ("install of 'Launch Kit' into production environment 'production' "
              "overwrites 2 record(s): GROUP Default Group, TMPL Campaign Launch")
    code, out = plan(repo, capsys, "--prerun", "--format", "json")
    assert listed in json.loads(out)["warnings"]
    assert listed in plan(repo, capsys, "--prerun")[1]
    markdown = plan(repo, capsys, "--prerun", "--format", "markdown")[1]
    assert "> **Warning:** " + listed.replace("'", "&#39;") in markdown

    # Apply refuses without --force; with it, the records are named before the install.
    with pytest.raises(UnsafePlan, match="1 of them by overwriting records in production"):
        repo.apply(output_format="json")
    assert not [i for i in repo.sim.state.world.installations.values()
                if i.environment == "production" and i.status != "PREPARING"]
    code, out, err = repo.apply(output_format="json", force=True)
    assert code == 0, out + err
    [result] = [r for r in json.loads(out)["results"] if r.get("environment") == "production"]
    assert "overwriting: GROUP Default Group, TMPL Campaign Launch" in result["details"]
