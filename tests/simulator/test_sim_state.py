"""The state file: a round trip through JSON, atomic writes, and the seed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from simhelpers import body, sid

from reconciler.clock import FakeClock
from reconciler.errors import ConfigError
from reconciler.simulator.core import Simulator
from reconciler.simulator.seed import seed_records
from reconciler.simulator.state import load_world, save_world, world_to_json


def test_seed_ids_are_deterministic_and_unique() -> None:
    records = seed_records("sandbox", "sandbox")
    ids = [r.ID for r in records]
    assert len(ids) == len(set(ids))
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    by_name = {(r.objCode, r.name): r for r in records}
    kickoff = by_name[("TTSK", "Kickoff Call")]
    kickoff_id = kickoff.ID
    assert kickoff_id == sid("TTSK", "Kickoff Call")
    assert kickoff.parentID == sid("TMPL", "New Agency Onboarding")
    assert {("GROUP", "Default Group"), ("ROLE", "Creative Director"),
            ("ARVPRC", "Agency Contract Approval"), ("SCHED", "Agency Standard Schedule"),
            ("PARAMOPT", "Bronze")} <= set(by_name)
    preview = {(r.objCode, r.name) for r in seed_records("preview", "preview")}
    assert preview == {("GROUP", "Default Group"), ("ROLE", "Account Manager"),
                       ("TMPL", "Campaign Launch")}


def test_state_round_trips_through_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "state" / "sim.json")
    clock = FakeClock()
    sim = Simulator.open(path, clock=clock, assembly_seconds=5.0)
    pkg = sim.create_package(body(("TMPL", "Campaign Launch")), "sandbox")
    clock.advance(5)
    sim.update_package(pkg.id, {"status": "TESTING"})
    prep = sim.prepare_installation(pkg.id, "preview", "h/preview")
    sim.install(prep.id, "preview")
    before = world_to_json(sim.world)

    reopened = Simulator.open(path, clock=clock)
    assert world_to_json(reopened.world) == before
    assert reopened.get_package(pkg.id).status == "TESTING"
    assert reopened.get_installation(prep.id).status == "INSTALLED"
    assert json.loads(Path(path).read_text())["version"] == 1


def test_assembly_in_progress_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "sim.json")
    clock = FakeClock()
    pkg = Simulator.open(path, clock=clock, assembly_seconds=30).create_package(
        body(("ROLE", "Account Manager")), "sandbox")
    reopened = Simulator.open(path, clock=clock, assembly_seconds=30)
    assert reopened.get_package(pkg.id).status == "ASSEMBLING"
    clock.advance(30)
    assert reopened.get_package(pkg.id).status == "DRAFT"


def test_every_mutation_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "sim.json"
    sim = Simulator.open(str(path), clock=FakeClock())
    pkg = sim.create_package(body(("ROLE", "Account Manager")), "sandbox")
    assert pkg.id in json.loads(path.read_text())["packages"]
    sim.delete_package(pkg.id)
    assert json.loads(path.read_text())["packages"] == {}


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sim.json"
    sim = Simulator.open(str(path), clock=FakeClock())
    original = path.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_world(sim.world, path)
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim.json"]


def test_unreadable_state_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "sim.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError) as info:
        Simulator.open(str(path))
    assert "reset" in (info.value.hint or "")
    path.write_text('{"version": 99}')
    with pytest.raises(ConfigError):
        Simulator.open(str(path))


def test_new_environments_join_an_existing_state(tmp_path: Path) -> None:
    path = str(tmp_path / "sim.json")
    Simulator.open(path, environments={"dev": "sandbox"})
    sim = Simulator.open(path, environments={"dev": "sandbox", "prod": "production"})
    assert sorted(sim.world.environments) == ["dev", "prod"]
    world = load_world(path)
    assert world is not None and sorted(world.environments) == ["dev", "prod"]
