"""Fault knobs: error rates, 429 with Retry-After, latency, drops after commit."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from simhelpers import body

from reconciler.simulator.faults import FaultInjector, Faults, parse_error_rate
from reconciler.simulator.server import SimulatorHandle

Start = Callable[..., SimulatorHandle]
PATH = "/environment-promotion/api/v1/packages"


def statuses(handle: SimulatorHandle, count: int) -> list[int]:
    with httpx.Client(timeout=10) as client:
        return [client.get(handle.url("sandbox") + PATH).status_code for _ in range(count)]


def test_error_rate_is_seeded_and_repeatable(sim_server: Start) -> None:
    faults = Faults(error_rates={503: 0.5}, seed=7)
    first = statuses(sim_server(faults=faults), 30)
    second = statuses(sim_server(faults=Faults(error_rates={503: 0.5}, seed=7)), 30)
    assert first == second
    assert set(first) == {200, 503}


def test_error_answers_are_json(sim_server: Start) -> None:
    sim = sim_server(faults=Faults(error_rates={500: 1.0}))
    response = httpx.get(sim.url("sandbox") + PATH)
    assert response.status_code == 500
    assert "simulated" in response.json()["error"]["message"]


def test_errors_do_not_commit(sim_server: Start) -> None:
    sim = sim_server(faults=Faults(error_rates={503: 1.0}))
    response = httpx.post(sim.url("sandbox") + PATH, json=body(("ROLE", "Account Manager")))
    assert response.status_code == 503
    assert sim.state.package_count() == 0


def test_rate_limit_sends_retry_after(sim_server: Start) -> None:
    sim = sim_server(faults=Faults(rate_limit=1.0, retry_after=3))
    response = httpx.get(sim.url("sandbox") + PATH)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    sim.set_faults(Faults())
    assert httpx.get(sim.url("sandbox") + PATH).status_code == 200


def test_dropped_connection_after_commit_keeps_the_package(sim_server: Start) -> None:
    sim = sim_server(faults=Faults(drop_first=1))
    request = body(("ROLE", "Account Manager"))
    with httpx.Client(timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(sim.url("sandbox") + PATH, json=request)
        assert sim.state.package_count() == 1
        listed = client.get(sim.url("sandbox") + PATH).json()["data"]
        assert [p["name"] for p in listed] == ["Agency package"]
        retry = client.post(sim.url("sandbox") + PATH, json=request)
        assert retry.status_code == 200
    assert sim.state.package_count() == 2
    assert sim.injector.posts_dropped == 1


def test_drop_rate_only_hits_package_creation(sim_server: Start) -> None:
    sim = sim_server(faults=Faults(drop_rate=1.0))
    assert statuses(sim, 2) == [200, 200]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(sim.url("sandbox") + PATH, json=body(("ROLE", "Account Manager")))
    assert sim.state.package_count() == 1


def test_latency_and_timing_overrides(sim_server: Start) -> None:
    sim = sim_server(faults=Faults(latency_ms=1, assembly_seconds=60))
    with httpx.Client(timeout=10) as client:
        pid = client.post(sim.url("sandbox") + PATH, json=body(("ROLE", "Account Manager"))
                          ).json()["data"]["id"]
        got = client.get(sim.url("sandbox") + PATH + f"/{pid}").json()["data"]
    assert got["status"] == "ASSEMBLING"
    assert sim.state.assembly_seconds == 60


def test_faults_from_environment_variables() -> None:
    faults = Faults.from_env({
        "WFPROMOTE_SIM_LATENCY_MS": "25", "WFPROMOTE_SIM_ERROR_RATE": "503=0.2, 500=0.1",
        "WFPROMOTE_SIM_RATE_LIMIT": "0.05", "WFPROMOTE_SIM_RETRY_AFTER": "2",
        "WFPROMOTE_SIM_DROP_FIRST": "3", "WFPROMOTE_SIM_DROP_RATE": "0.5",
        "WFPROMOTE_SIM_SEED": "11", "WFPROMOTE_SIM_ASSEMBLY_SECONDS": "4",
        "WFPROMOTE_SIM_INSTALL_SECONDS": "6"})
    assert faults == Faults(latency_ms=25, error_rates={503: 0.2, 500: 0.1}, rate_limit=0.05,
                            retry_after=2, drop_rate=0.5, drop_first=3, seed=11,
                            assembly_seconds=4, install_seconds=6)
    assert Faults.from_env({}) == Faults()
    with pytest.raises(ValueError, match="LATENCY"):
        Faults.from_env({"WFPROMOTE_SIM_LATENCY_MS": "fast"})


@pytest.mark.parametrize("text", ["503", "abc=0.1", "200=0.5", "503=1.5", "503=x"])
def test_bad_error_rates(text: str) -> None:
    with pytest.raises(ValueError, match="STATUS=PROBABILITY"):
        parse_error_rate(text)


def test_drop_first_counts_posts() -> None:
    injector = FaultInjector(Faults(drop_first=2))
    assert [injector.drop_after_create() for _ in range(4)] == [True, True, False, False]
