""""Installed" means this content (issue 18, item 1), end to end over HTTP against the
simulator in both profiles.

Under ``api: 2023`` a by-value replace (PUT) keeps the package id and its ``version``, so an
installation of the earlier content looks like one of the new content by version. The story:
the package is installed into preview; its content changes and the package becomes ACTIVE;
the new content fails to install into preview, so production (``after: [preview]``) is
skipped; the next plan must not call preview done, and must not let the new content into
production before preview holds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import new_repo, sid

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

GROUP = sid("GROUP", "Default Group")


def package(repo: Any, status: str, *, with_group: bool) -> dict[str, Any]:
    """The package, declared by value (a 2023 replace is then a PUT)."""
    entities: dict[str, Any] = {"TMPL": [{"id": sid("TMPL", "Campaign Launch"),
                                          "name": "Campaign Launch"}]}
    preview: dict[str, Any] = {"environment": "preview"}
    if with_group:
        entities["GROUP"] = [{"id": GROUP, "name": "Default Group"}]
    folder = repo.root / "promotions"
    folder.mkdir(exist_ok=True)
    (folder / "launch.definition.json").write_text(json.dumps(entities), encoding="utf-8")
    return {"name": "Launch", "description": "Launch (tests)", "source": "sandbox",
            "status": status, "definition": "launch.definition.json",
            "install": [preview, {"environment": "production", "after": ["preview"]}]}


def content_of(repo: Any) -> str:
    """The content digest the marker of the live package records."""
    from reconciler.plan.ownership import parse_marker

    [live] = [p for p in repo.live("Launch") if p.status == "ACTIVE"]
    marker = parse_marker(live.description)
    assert marker is not None
    return marker.digest


def plan_text(repo: Any, capsys: pytest.CaptureFixture[str]) -> str:
    run(["--config", str(repo.config_path), "plan"])
    return capsys.readouterr().out


def cli_json(repo: Any, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    run(["--config", str(repo.config_path), *args, "--format", "json"])
    return json.loads(capsys.readouterr().out)


def production_installs(repo: Any) -> list[Any]:
    return [i for i in repo.sim.state.world.installations.values()
            if i.environment == "production" and i.status != "PREPARING"]


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_a_gate_is_met_only_by_the_same_content_installed(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml", package(repo, "TESTING", with_group=False))
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    [first] = repo.live("Launch")
    version = first.version

    # New content, now ACTIVE: preview's install of it fails (the simulator's fault knob
    # fails the group), production is skipped.
    repo.sim.state.fail_records = frozenset({"Default Group"})
    repo.put("a.yaml", package(repo, "ACTIVE", with_group=True))
    code, out, err = repo.apply(output_format="json")
    assert code == 1, out + err
    outcomes = {r.get("environment"): r["outcome"] for r in json.loads(out)["results"]
                if r["action"] == "install"}
    assert outcomes == {"preview": "failed", "production": "skipped"}
    live = [p for p in repo.live("Launch") if p.status == "ACTIVE"]
    assert len(live) == 1
    if profile == "2023":   # replaced in place: same id, same version
        assert (live[0].id, live[0].version) == (first.id, version)
    assert not [i for i in production_installs(repo)]

    # The next plan: preview holds earlier content (its install of this one failed), so
    # production waits for preview's install planned in the same run.
    plan = cli_json(repo, capsys, "plan")
    installs = {a["environment"]: a for a in plan["actions"] if a["action"] == "install"}
    assert set(installs) == {"preview", "production"}
    assert installs["preview"]["reason"] == "install_failed"
    assert installs["production"]["after"]["gates"] == ["after preview: planned"]
    text = plan_text(repo, capsys)
    assert text.count(f"content {content_of(repo)[:12]}, into") == 2

    # status agrees: preview's latest install of this content failed; nothing is installed.
    status = cli_json(repo, capsys, "status")
    [row] = status["packages"]
    assert row["cells"]["preview"]["state"] == "failed"
    assert row["cells"]["production"]["state"] == "pending"

    # Applying again: preview fails again, so production is skipped again; the new content
    # never reaches production before preview holds it.
    code, out, err = repo.apply(output_format="json")
    assert code == 1
    assert not production_installs(repo)

    # Fixed content: preview, then production, installed in order; then nothing to do.
    repo.sim.state.fail_records = frozenset()
    repo.put("a.yaml", package(repo, "ACTIVE", with_group=False))
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    outcomes = {r.get("environment"): r["outcome"] for r in json.loads(out)["results"]
                if r["action"] == "install"}
    assert outcomes == {"preview": "applied", "production": "applied"}
    status = cli_json(repo, capsys, "status")
    [row] = status["packages"]
    assert row["cells"]["preview"]["state"] == row["cells"]["production"]["state"] == \
        "installed"
    assert row["cells"]["preview"]["content"] == row["cells"]["production"]["content"] == \
        content_of(repo)
    code, out, err = repo.apply(output_format="json")
    assert (code, json.loads(out)["results"]) == (0, [])
