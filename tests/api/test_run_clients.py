"""open_clients: real URLs, the embedded simulator, its notice and its refusal in CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from apihelpers import Script, json_reply, run

from reconciler.api.client import PromotionClient
from reconciler.domain.declared import Config
from reconciler.errors import AuthError, WfpromoteError
from reconciler.run import clients as factory


def config(tmp_path: Path, **envs: dict[str, Any]) -> Config:
    return Config.model_validate({
        "api": envs.pop("api_profile", {}).get("name", "current"), "owner": "acme",
        "environments": envs, "concurrency": 3, "timeouts": {"request": 7.5},
        "simulator": {"state": "state/sim.json", "assembly_seconds": 0,
                      "install_seconds": 0},
        "root": str(tmp_path)})


def test_real_urls_get_profile_root_auth_and_timeouts(tmp_path: Path) -> None:
    cfg = config(tmp_path,
                 sandbox={"url": "https://acme.sb01.workfront.com/", "kind": "sandbox",
                          "auth": {"apikey_env": "WF_KEY"}},
                 production={"url": "https://acme.my.workfront.com", "kind": "production"})
    script = Script().on("GET", "/packages", json_reply({"data": []}))

    async def go() -> None:
        async with factory.open_clients(cfg, environ={"WF_KEY": "zq-k-1234"},
                                        transport_factory=lambda n, e: script.transport()
                                        ) as clients:
            assert set(clients) == {"sandbox", "production"}
            sandbox = clients["sandbox"]
            assert isinstance(sandbox, PromotionClient)
            assert sandbox.base_url == \
                "https://acme.sb01.workfront.com/environment-promotion/api/v1"
            assert sandbox._http.timeout.read == 7.5
            assert not sandbox.capabilities.replace_with_put
            await sandbox.list_packages()
            await clients["production"].list_packages()
        assert sandbox._http.is_closed

    run(go())
    first, second = script.requests
    assert str(first.url) == "https://acme.sb01.workfront.com/environment-promotion/api/v1/packages"
    assert first.headers["apikey"] == "zq-k-1234"
    assert "apikey" not in second.headers


def test_2023_profile_root(tmp_path: Path) -> None:
    cfg = config(tmp_path, api_profile={"name": "2023"},
                 sandbox={"url": "https://acme.sb01.workfront.com", "kind": "sandbox"})

    async def go() -> None:
        async with factory.open_clients(cfg, environ={}) as clients:
            client = clients["sandbox"]
            assert isinstance(client, PromotionClient)
            assert client.base_url.endswith("/environment-promotion/v1")
            assert client.capabilities.read_definition

    run(go())


def test_missing_credential_names_variable(tmp_path: Path) -> None:
    cfg = config(tmp_path, preview={"url": "https://acme.preview.workfront.com",
                                    "kind": "preview", "auth": {"session_env": "WF_SESSION"}})

    async def go() -> None:
        async with factory.open_clients(cfg, environ={}) as clients:
            clients["preview"]  # credentials are read when the environment is first used

    with pytest.raises(AuthError, match=r"\$WF_SESSION"):
        run(go())


def test_embedded_simulator_serves_and_announces_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(tmp_path, sandbox={"url": "simulator", "kind": "sandbox"},
                 preview={"url": "simulator", "kind": "preview"})

    async def go() -> None:
        for _ in range(2):
            async with factory.open_clients(cfg, environ={}) as clients:
                sandbox = clients["sandbox"]
                assert isinstance(sandbox, PromotionClient)
                assert sandbox.base_url == \
                    "http://simulator.local/sandbox/environment-promotion/api/v1"
                assert await sandbox.list_packages() == []
                assert await clients["preview"].list_packages() == []

    run(go())
    err = capsys.readouterr().err
    assert err.count("EMBEDDED SIMULATOR") == 1
    assert str(tmp_path / "state" / "sim.json") in err


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_simulator_refused_in_ci(tmp_path: Path, ci: str) -> None:
    cfg = config(tmp_path, sandbox={"url": "simulator", "kind": "sandbox"})

    async def go(allow: bool) -> None:
        async with factory.open_clients(cfg, environ={"CI": ci}, allow_simulator=allow):
            pass

    with pytest.raises(WfpromoteError) as caught:
        run(go(False))
    assert "--allow-simulator" in (caught.value.hint or "")
    run(go(True))


def test_ci_false_does_not_refuse(tmp_path: Path) -> None:
    cfg = config(tmp_path, sandbox={"url": "simulator", "kind": "sandbox"})

    async def go() -> None:
        async with factory.open_clients(cfg, environ={"CI": "false"}) as clients:
            assert "sandbox" in clients

    run(go())


def test_transport_factory_can_replace_the_simulator(tmp_path: Path) -> None:
    cfg = config(tmp_path, sandbox={"url": "simulator", "kind": "sandbox"})
    script = Script().on("GET", "/packages", httpx.Response(200, json={"data": []}))

    async def go() -> None:
        async with factory.open_clients(cfg, environ={},
                                        transport_factory=lambda n, e: script.transport()
                                        ) as clients:
            await clients["sandbox"].list_packages()

    run(go())
    assert script.requests[0].url.host == "simulator.local"
