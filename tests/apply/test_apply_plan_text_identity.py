"""Issue 18 item 8: the plan text says what a by-value body holds and what an install
installs. Under 2023 a by-value create or replace counts its packageEntities records; an
install names the package and the content digest, never a "v1" that never moves. Both
profiles, over HTTP against the simulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import new_repo, sid

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle


def declare(repo: Any, *forms: str) -> dict[str, Any]:
    entities = {"CTGY": [{"id": sid("CTGY", f), "name": f} for f in forms],
                "PARAM": [{"id": sid("PARAM", "Campaign Budget"), "name": "Campaign Budget"}]}
    folder = repo.root / "promotions"
    folder.mkdir(exist_ok=True)
    (folder / "forms.definition.json").write_text(json.dumps(entities), encoding="utf-8")
    doc = {"name": "Forms", "description": "tests", "source": "sandbox", "status": "ACTIVE",
           "definition": "forms.definition.json", "install": [{"environment": "preview"}]}
    repo.put("forms.json", doc)
    return doc


def plan_text(repo: Any, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    run(["--config", str(repo.config_path), "plan", *args])
    return capsys.readouterr().out


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_bodies_count_their_records_and_installs_name_their_content(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    declare(repo, "Campaign Brief Form")
    text = plan_text(repo, capsys)
    if profile == "2023":
        assert "packageEntities: 2 record(s) in 2 objCode(s), written with PUT" in text
    assert "0 record(s)" not in text
    assert repo.apply()[0] == 0

    declare(repo, "Campaign Brief Form", "Agency Intake Form")
    from reconciler.desired.config import load_config
    from reconciler.desired.loader import load_packages
    from reconciler.run.settings import load_settings

    [spec] = load_packages(load_settings(load_config(str(repo.config_path))), [])
    digest = spec.digest()
    text = plan_text(repo, capsys)
    if profile == "2023":
        assert "packageEntities: 3 record(s) in 2 objCode(s), written with PUT" in text
    assert "0 record(s)" not in text
    assert f"content {digest[:12]}, into preview" in text
    assert " v1" not in text
    assert repo.apply()[0] == 0

    # An install of an existing package names it too: --reinstall of the same content.
    text = plan_text(repo, capsys, "--reinstall", "preview")
    [live] = [p for p in repo.live("Forms") if p.status == "ACTIVE"]
    assert f"package {live.id[:8]}, content {digest[:12]}, into preview" in text
    assert " v1" not in text
