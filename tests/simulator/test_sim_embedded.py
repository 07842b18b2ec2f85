"""The in-process simulator (httpx transport for a config) and the `simulator` commands."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from simhelpers import body

from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.domain.declared import Config, EnvironmentConfig, SimulatorConfig
from reconciler.errors import ConfigError
from reconciler.run.settings import simulator_settings
from reconciler.simulator.embedded import EmbeddedTransport, embedded_transport

PATH = "/environment-promotion/api/v1/packages"


def config(tmp_path: Path, api: str = "current") -> Config:
    return Config(
        api=api, owner="team", root=str(tmp_path),
        simulator=SimulatorConfig(assembly_seconds=10, install_seconds=5),
        environments={
            "dev": EnvironmentConfig(url="simulator", kind="sandbox"),
            "live": EnvironmentConfig(url="simulator", kind="production"),
            "real": EnvironmentConfig(url="https://acme.my.workfront.com", kind="production"),
        })


def test_embedded_transport_serves_the_config(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = embedded_transport(simulator_settings(config(tmp_path)), clock=clock)
    assert isinstance(transport, EmbeddedTransport)
    assert sorted(transport.simulator.world.environments) == ["dev", "live"]

    async def scenario() -> tuple[str, str, str]:
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://simulator.local/dev") as client:
            made = await client.post(PATH, json=body(("GROUP", "Agency Partners"), env="dev",
                                                     source="http://simulator.local/dev"))
            pid = made.json()["data"]["id"]
            first = (await client.get(f"{PATH}/{pid}")).json()["data"]["status"]
            clock.advance(10)
            second = (await client.get(f"{PATH}/{pid}")).json()["data"]["status"]
            await client.patch(f"{PATH}/{pid}", json={"status": "ACTIVE"})
            inst = await client.post(
                f"http://simulator.local/live/environment-promotion/api/v1/packages/{pid}"
                "/prepare-installation")
            return first, second, inst.json()["environment"]

    assert asyncio.run(scenario()) == ("ASSEMBLING", "DRAFT", "simulator.local/live")
    state = json.loads((tmp_path / ".wfpromote" / "simulator.json").read_text())
    assert len(state["packages"]) == 1 and len(state["installations"]) == 1


def test_embedded_uses_the_2023_profile_and_an_explicit_state(tmp_path: Path) -> None:
    state = tmp_path / "elsewhere.json"
    transport = embedded_transport(simulator_settings(config(tmp_path, "2023")),
                                   state_path=str(state))

    async def scenario() -> int:
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.get("http://simulator.local/dev/environment-promotion/v1/"
                                        "packages")
            return response.status_code

    assert asyncio.run(scenario()) == 200
    assert state.exists()


def test_embedded_drop_and_latency_faults(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WFPROMOTE_SIM_DROP_FIRST", "1")
    monkeypatch.setenv("WFPROMOTE_SIM_LATENCY_MS", "250")
    clock = FakeClock()
    transport = embedded_transport(simulator_settings(config(tmp_path)), clock=clock)

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://simulator.local/dev") as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(PATH, json=body(("ROLE", "Account Manager"), source="dev",
                                                     env="dev"))
            listed = await client.get(PATH)
            assert len(listed.json()["data"]) == 1

    asyncio.run(scenario())
    assert clock.sleeps == [0.25, 0.25]


def test_bad_fault_variable_is_a_config_error(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WFPROMOTE_SIM_ERROR_RATE", "often")
    with pytest.raises(ConfigError):
        embedded_transport(simulator_settings(config(tmp_path)))


def test_reset_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "sim.json"
    state.write_text("{}")
    assert run(["simulator", "reset", "--state", str(state)]) == 0
    assert not state.exists()
    assert run(["simulator", "reset", "--state", str(state)]) == 0
    assert "nothing to reset" in capsys.readouterr().err


def test_serve_refuses_a_bad_environment_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulator", "serve", "--env", "dev:staging"]) != 0
    assert "NAME:KIND" in capsys.readouterr().err


def test_serve_command_prints_urls_and_serves(tmp_path: Path) -> None:
    import re
    import subprocess
    import sys
    import time

    state = tmp_path / "served.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "simulator", "serve", "--port", "0",
         "--state", str(state), "--env", "dev:sandbox", "--profile", "2023"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        match = re.search(r"(http://127\.0\.0\.1:\d+/dev)", lines[1])
        assert match, lines
        url = match.group(1) + "/environment-promotion/v1/packages"
        for _ in range(100):  # the socket is bound before the URLs are printed
            try:
                response = httpx.get(url, timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response.json() == {"data": []}
        assert state.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
