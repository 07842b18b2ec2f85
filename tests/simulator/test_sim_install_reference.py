"""The simulator's installs follow the reference where it can be told: documented statuses
on the wire (a running install reads PREPARING), E10/E11 only under `current`, the 2023 E7
taking a map, and the section 2.5 OVERWRITING rules (children in both updated, children only
in the package created, nothing deleted)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from simhelpers import body, sid

from reconciler.clock import FakeClock
from reconciler.simulator.seed import SourceRecord
from reconciler.simulator.server import SimulatorHandle

Start = Callable[..., SimulatorHandle]
BASE = {"current": "/environment-promotion/api/v1", "2023": "/environment-promotion/v1"}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def api(sim: SimulatorHandle, env: str) -> str:
    return sim.url(env) + BASE[sim.profile]


def active_package(http: httpx.Client, sim: SimulatorHandle, *items: tuple[str, str]) -> str:
    created = http.post(api(sim, "sandbox") + "/packages",
                        json=body(*items, source=sim.url("sandbox"))).json()["data"]
    status = "ACTIVE" if sim.profile == "current" else "PUBLIC"
    assert http.patch(api(sim, "sandbox") + f"/packages/{created['id']}",
                      json={"status": status}).status_code == 200
    return str(created["id"])


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_statuses_on_the_wire_and_routes_by_profile(profile: str, sim_server: Start,
                                                    http: httpx.Client) -> None:
    clock = FakeClock()
    sim = sim_server(profile=profile, clock=clock, install_seconds=30)
    pid = active_package(http, sim, ("TMPL", "Campaign Launch"))
    prep = http.post(api(sim, "preview") + f"/packages/{pid}/prepare-installation",
                     json={}).json()
    assert prep["status"] == "PREPARING"
    started = http.post(api(sim, "preview") + f"/installations/{prep['id']}/install", json={})
    assert started.status_code == (202 if profile == "current" else 200)
    running = http.get(api(sim, "preview") + f"/installations/{prep['id']}").json()
    assert running["status"] == "PREPARING"       # no in-progress value is documented
    clock.advance(30)
    done = http.get(api(sim, "preview") + f"/installations/{prep['id']}").json()
    assert done["status"] == ("INSTALLED" if profile == "current" else "COMPLETED")
    tmap_route = http.post(api(sim, "preview") + f"/packages/{pid}/translation-map")
    e11 = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                    json={"translationMap": {}})
    if profile == "current":
        assert (tmap_route.status_code, e11.status_code) == (202, 202)
    else:
        assert (tmap_route.status_code, e11.status_code) == (404, 404)


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_an_edited_map_goes_where_the_profile_takes_it(profile: str, sim_server: Start,
                                                      http: httpx.Client) -> None:
    sim = sim_server(profile=profile)
    pid = active_package(http, sim, ("TMPL", "Campaign Launch"))
    prep = http.post(api(sim, "preview") + f"/packages/{pid}/prepare-installation",
                     json={}).json()
    edited: dict[str, Any] = prep["translationMap"]
    answer = http.post(api(sim, "preview") + f"/installations/{prep['id']}/install",
                       json={"translationMap": edited})
    assert answer.status_code == (400 if profile == "current" else 200)


def test_overwriting_a_parent_updates_and_creates_children_and_deletes_nothing(
        sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server()
    preview = sim.state.world.environments["preview"]
    template = next(r for r in preview.records.values() if r.name == "Campaign Launch")
    # preview holds the template with one task of the package and one of its own
    preview.records["t1"] = SourceRecord("TTSK", "t1", "Creative Brief", "old", template.ID)
    preview.records["t2"] = SourceRecord("TTSK", "t2", "Preview Only Task", "", template.ID)
    pid = active_package(http, sim, ("TMPL", "Campaign Launch"))
    prep = http.post(api(sim, "preview") + f"/packages/{pid}/prepare-installation",
                     json={}).json()
    tmap = prep["translationMap"]
    assert tmap["TTSK"][sid("TTSK", "Creative Brief")]["action"] == "USEEXISTING"
    assert tmap["TTSK"][sid("TTSK", "Launch Review")]["action"] == "CREATE"
    tmap["TMPL"][sid("TMPL", "Campaign Launch")]["action"] = "OVERWRITING"
    iid = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                    json={"translationMap": tmap}).json()
    done = http.get(api(sim, "preview") + f"/installations/{iid}").json()
    assert done["status"] == "INSTALLED"
    tasks = {r.name: r for r in preview.records.values() if r.objCode == "TTSK"}
    assert tasks["Creative Brief"].description == "Creative Brief (seeded in sandbox)"
    assert tasks["Launch Review"].parentID == template.ID          # created under the parent
    assert "Preview Only Task" in tasks                            # nothing deleted
    assert template.description == "Campaign Launch (seeded in sandbox)"
