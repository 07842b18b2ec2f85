"""The example repository through the real apply engine over HTTP, both profiles.

The plan end-to-end test performs its actions with a small helper; this one proves that
`apply` itself converges on every example, and that a definition by value is written with
PUT where the profile has PUT (and only there). The API key is a canary that must never
show in any output or report, under either profile.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import new_repo

from reconciler.simulator.server import SimulatorHandle

ROOT = Path(__file__).resolve().parents[2]


def for_profile(folder: Path, profile: str) -> None:
    """The examples are written for `current`; the 2023 API has no OVERWRITING (reference
    1.4), so under `2023` their `existing: overwrite` lines go (validate refuses them)."""
    if profile != "2023":
        return
    for path in folder.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\n[ ]*existing: overwrite[^\n]*", "", text), encoding="utf-8")


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_every_example_applies_and_converges(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        canary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WF_EXAMPLES_KEY", canary)
    repo = new_repo(tmp_path, sim_server(profile=profile), auth_env="WF_EXAMPLES_KEY")
    shutil.copytree(ROOT / "examples" / "promotions" / "packages", tmp_path / "promotions")
    for_profile(tmp_path / "promotions", profile)
    report = tmp_path / "report.json"

    code, out, err = repo.apply(output_format="json", report_path=str(report))
    assert code == 0, out + err
    for text in (out, err, report.read_text()):
        assert canary not in text
    results = json.loads(out)["results"]
    assert sum(r["action"] == "create" for r in results) == 8
    assert {(r["action"], r["outcome"]) for r in results} == {("create", "applied"),
                                                             ("install", "applied")}
    installs = {(r["name"], r["environment"]) for r in results if r["action"] == "install"}
    assert ("Agency Onboarding", "production") in installs
    assert all(r["details"][0].startswith("records: ") for r in results
               if r["action"] == "install")

    written = "[create] Campaign Brief Form: definition written (PUT)" in err
    assert written is (profile == "2023")
    [form] = repo.live("Campaign Brief Form")
    assert form.status == "TESTING"
    declared = json.loads((ROOT / "examples" / "promotions" / "packages" / "forms"
                           / "campaign-brief.definition.json").read_text())
    assert {r.objCode for r in form.records} >= set(declared)

    installations = len(repo.sim.state.world.installations)
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    assert json.loads(out)["results"] == []
    # idempotent: the second apply installs nothing and makes no pre-run either
    assert len(repo.sim.state.world.installations) == installations
