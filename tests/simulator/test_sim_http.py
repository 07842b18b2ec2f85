"""The simulator over real HTTP on 127.0.0.1, under both profiles: paths, codes and shapes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from simhelpers import body, sid

from reconciler.simulator.server import SimulatorHandle

CURRENT = "/environment-promotion/api/v1"
OLD = "/environment-promotion/v1"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PACKAGE_KEYS = {"id", "name", "description", "source", "status", "version", "createdAt",
                "createdById", "publishedAt", "retiredAt", "customerId"}
INSTALL_KEYS = {"id", "environmentPromotionPackageId", "environmentPromotionPackageVersion",
                "userId", "customerId", "status", "environment", "registeredAt", "updatedAt",
                "translationMap"}
Start = Callable[..., SimulatorHandle]


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def api(handle: SimulatorHandle, env: str) -> str:
    return handle.url(env) + (CURRENT if handle.profile == "current" else OLD)


def create(http: httpx.Client, handle: SimulatorHandle, *items: tuple[str, str],
           **extra: Any) -> dict[str, Any]:
    request = body(*items, source=handle.url("sandbox"), **extra)
    response = http.post(api(handle, "sandbox") + "/packages", json=request)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_current_profile_package_lifecycle(sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server()
    base = api(sim, "sandbox")
    created = create(http, sim, ("GROUP", "Default Group"), ("TMPL", "Campaign Launch"))
    assert set(created) == PACKAGE_KEYS
    assert UUID.match(created["id"]) and ISO.match(created["createdAt"])
    assert (created["status"], created["version"], created["publishedAt"]) == (
        "ASSEMBLING", 1, None)
    assert re.fullmatch(r"[0-9a-f]{32}", created["customerId"])
    pid = created["id"]

    listed = http.get(base + "/packages")
    assert listed.status_code == 200
    [item] = listed.json()["data"]
    assert item == {"id": pid, "name": "Agency package", "description": "test",
                    "status": "DRAFT", "createdAt": created["createdAt"], "deletedAt": None}

    got = http.get(base + f"/packages/{pid}").json()["data"]
    assert set(got) == PACKAGE_KEYS | {"packageEntities"}
    assert got["packageEntities"]["GROUP"] == [{
        "id": sid("GROUP", "Default Group"), "name": "Default Group",
        "description": "Default Group (seeded in sandbox)", "parentID": None}]
    assert {e["parentID"] for e in got["packageEntities"]["TTSK"]} == {
        sid("TMPL", "Campaign Launch")}
    assert [e["name"] for e in got["packageEntities"]["TTSK"]] == ["Creative Brief",
                                                                   "Launch Review"]
    # Any environment serves the same package.
    assert http.get(api(sim, "production") + f"/packages/{pid}").json()["data"] == got

    patched = http.patch(base + f"/packages/{pid}", json={"status": "ACTIVE"})
    assert patched.status_code == 200
    assert patched.json()["data"]["status"] == "ACTIVE"
    assert ISO.match(patched.json()["data"]["publishedAt"])
    assert http.patch(base + f"/packages/{pid}", json={"source": "x"}).status_code == 400
    assert http.patch(base + f"/packages/{pid}", json={"status": "PUBLIC"}).status_code == 400

    deleted = http.delete(base + f"/packages/{pid}")
    assert (deleted.status_code, deleted.text) == (200, "Deleted")
    assert deleted.headers["content-type"].startswith("text/plain")
    missing = http.get(base + f"/packages/{pid}")
    assert missing.status_code == 404 and "not found" in missing.json()["error"]["message"]


def test_current_profile_has_no_legacy_endpoints(sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server()
    pid = create(http, sim, ("ROLE", "Account Manager"))["id"]
    base = api(sim, "sandbox")
    assert http.put(base + f"/packages/{pid}", json={}).status_code == 405
    assert http.get(base + f"/packages/{pid}/definition").status_code == 404
    assert http.get(sim.url("sandbox") + OLD + "/packages").status_code == 404


def test_current_profile_installation_flow(sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server()
    pid = create(http, sim, ("GROUP", "Default Group"), ("TMPL", "New Agency Offboarding"))["id"]
    http.patch(api(sim, "sandbox") + f"/packages/{pid}", json={"status": "TESTING"})
    preview = api(sim, "preview")

    prepared = http.post(preview + f"/packages/{pid}/prepare-installation", json={})
    assert prepared.status_code == 200
    inst = prepared.json()
    assert set(inst) == INSTALL_KEYS
    assert (inst["status"], inst["environmentPromotionPackageId"]) == ("PREPARING", pid)
    assert inst["environment"] == f"127.0.0.1:{sim.port}/preview"
    assert inst["translationMap"]["GROUP"][sid("GROUP", "Default Group")]["action"] == \
        "USEEXISTING"

    started = http.post(preview + f"/installations/{inst['id']}/install", json={})
    assert (started.status_code, started.json()) == (202, {})
    detail = http.get(preview + f"/installations/{inst['id']}").json()
    assert detail["status"] == "INSTALLED"
    assert detail["translationMap"]["TMPL"][sid("TMPL", "New Agency Offboarding")][
        "installationStatus"] == "INSTALLED"

    tmap = http.post(preview + f"/packages/{pid}/translation-map")
    assert tmap.status_code == 202
    assert set(tmap.json()) == {"GROUP", "TMPL", "TTSK"}
    edited = tmap.json()
    edited["TMPL"][sid("TMPL", "New Agency Offboarding")]["action"] = "OVERWRITING"
    second = http.post(preview + f"/packages/{pid}/install", json={"translationMap": edited})
    assert second.status_code == 202 and UUID.match(second.json())

    history = http.get(api(sim, "production") + "/installations",
                       params={"environmentPromotionPackageId": pid})
    assert history.status_code == 200
    assert [i["id"] for i in history.json()] == [inst["id"], second.json()]
    refused = http.post(api(sim, "production") + f"/packages/{pid}/prepare-installation")
    assert refused.status_code == 409 and "production" in refused.json()["error"]["message"]


@pytest.mark.parametrize(("payload", "status"), [
    (b"{not json", 400),
    (b"[1, 2]", 400),
    (b"", 400),
    (b'{"name": "x"}', 400),
    (b'{"name": "x", "objectCollections": [{"objCode": "TMPL", "entities": [{}]}]}', 400),
    (b'{"name": "x", "objectCollections": [{"objCode": "NOPE", "entities": [{"ID": "1"}]}]}',
     400),
])
def test_bad_bodies_get_400_json(sim_server: Start, http: httpx.Client, payload: bytes,
                                 status: int) -> None:
    sim = sim_server()
    response = http.post(api(sim, "sandbox") + "/packages", content=payload,
                         headers={"content-type": "application/json"})
    assert response.status_code == status
    assert isinstance(response.json()["error"]["message"], str)
    assert sim.state.package_count() == 0


def test_unknown_environment_is_404(sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server()
    response = http.get(api(sim, "staging") + "/packages")
    assert response.status_code == 404 and "staging" in response.json()["error"]["message"]


def test_custom_environments(sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server(environments={"dev": "sandbox", "live": "production"})
    assert http.get(api(sim, "dev") + "/packages").status_code == 200
    assert http.get(api(sim, "sandbox") + "/packages").status_code == 404


def test_2023_profile(sim_server: Start, http: httpx.Client) -> None:
    sim = sim_server(profile="2023")
    base = api(sim, "sandbox")
    request = body(("TMPL", "Campaign Launch"), source=sim.url("sandbox"))
    request["packageName"] = request.pop("name")
    created = http.post(base + "/packages", json=request).json()["data"]
    assert created["status"] == "EXTRACTING" and created["installationCounts"] == {}
    pid = created["id"]
    [item] = http.get(base + "/packages").json()["data"]
    assert item["status"] == "BUILDING" and "version" in item and "customerId" in item

    got = http.get(base + f"/packages/{pid}").json()["data"]
    assert got["displayEntities"] == got["packageEntities"]
    assert http.patch(base + f"/packages/{pid}", json={"status": "PREVIEW"}).json()[
        "data"]["status"] == "PREVIEW"
    assert http.patch(base + f"/packages/{pid}", json={"status": "ACTIVE"}).json()[
        "data"]["status"] == "PUBLIC"
    assert http.patch(base + f"/packages/{pid}", json={"status": "BUILDING"}).json()[
        "data"]["status"] == "BUILDING"

    definition = http.get(base + f"/packages/{pid}/definition")
    assert definition.status_code == 200
    assert set(definition.json()) == {"packageEntities"}
    assert {r["objCode"] for r in definition.json()["packageEntities"]["TTSK"]} == {"TTSK"}

    entities = {"ROLE": [{"id": sid("ROLE", "Account Manager"), "name": "Account Manager"}]}
    put = http.put(base + f"/packages/{pid}", json={
        "name": "Replaced", "description": "d", "source": sim.url("sandbox"),
        "status": "PREVIEW", "version": 5, "packageEntities": entities})
    assert put.status_code == 200
    data = put.json()["data"]
    assert (data["status"], data["version"]) == ("PREVIEW", 5)
    assert [e["id"] for e in data["displayEntities"]["ROLE"]] == [sid("ROLE", "Account Manager")]

    http.patch(base + f"/packages/{pid}", json={"status": "DRAFT"})
    again = http.patch(base + f"/packages/{pid}", json={
        "source": sim.url("sandbox"),
        "objectCollections": body(("GROUP", "Creative Services"))["objectCollections"]})
    assert again.status_code == 200
    final = http.get(base + f"/packages/{pid}").json()["data"]
    assert (final["status"], final["version"]) == ("BUILDING", 6)
    assert list(final["packageEntities"]) == ["GROUP"]

    http.patch(base + f"/packages/{pid}", json={"status": "PREVIEW"})
    inst = http.post(api(sim, "preview") + f"/packages/{pid}/prepare-installation").json()
    assert inst["blueprintId"] == inst["environmentPromotionPackageId"] == pid
    assert inst["status"] == "PREPARING"
