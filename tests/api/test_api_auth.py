"""Auth modes: headers sent, token caching and renewal, refresh tokens, config, no leaks."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import httpx
import pytest
from apihelpers import Script, json_reply, make_client, run

from reconciler.api.auth import (
    ApiKeyAuth,
    BearerAuth,
    ClientCredentialsAuth,
    RefreshTokenAuth,
    SessionAuth,
    auth_from_config,
)
from reconciler.clock import FakeClock
from reconciler.domain.declared import AuthConfig, OAuthClientCredentials, OAuthRefreshToken
from reconciler.errors import AuthError

TOKEN_URL = "https://ims.example.test/ims/token/v3"


LIST: dict[str, list[object]] = {"data": []}


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def token_reply(token: str, expires_in: int = 3600, **extra: str) -> httpx.Response:
    return json_reply({"access_token": token, "token_type": "bearer",
                       "expires_in": expires_in, **extra})


@pytest.mark.parametrize(("auth", "header", "value"), [
    (ApiKeyAuth("zq-key-1234"), "apikey", "zq-key-1234"),
    (SessionAuth("zq-sess-1234"), "sessionID", "zq-sess-1234"),
    (BearerAuth("tozq-k-1234"), "Authorization", "Bearer tozq-k-1234"),
])
def test_static_header_modes(auth: httpx.Auth, header: str, value: str) -> None:
    script = Script().on("GET", "/packages", json_reply(LIST))

    async def go() -> None:
        async with make_client(script, auth=auth) as client:
            await client.list_packages()

    run(go())
    assert script.requests[0].headers[header] == value


def test_client_credentials_caches_and_renews_before_expiry() -> None:
    clock = FakeClock()
    script = (Script()
              .on("POST", "/ims/token/v3", token_reply("zq-tok-one", 3600),
                  token_reply("zq-tok-two", 3600))
              .on("GET", "/packages", json_reply(LIST)))
    auth = ClientCredentialsAuth(TOKEN_URL, "zq-client-id", "zq-client-secret-xyz",
                                 "openid,AdobeID", clock=clock)

    async def go() -> None:
        async with make_client(script, auth=auth, clock=clock) as client:
            await client.list_packages()
            await client.list_packages()
            clock.advance(3600 - 61)        # still outside the renewal margin
            await client.list_packages()
            clock.advance(2)                # inside the margin: renew first
            await client.list_packages()

    run(go())
    tokens = [r for r in script.requests if r.url.path.endswith("/token/v3")]
    assert len(tokens) == 2 and auth.token_requests == 2
    assert form(tokens[0]) == {"grant_type": "client_credentials", "client_id": "zq-client-id",
                               "client_secret": "zq-client-secret-xyz", "scope": "openid,AdobeID"}
    assert tokens[0].headers["content-type"] == "application/x-www-form-urlencoded"
    used = [r.headers["Authorization"] for r in script.requests
            if r.url.path.endswith("/packages")]
    assert used == ["Bearer zq-tok-one"] * 3 + ["Bearer zq-tok-two"]


def test_client_credentials_renews_exactly_once_on_401() -> None:
    clock = FakeClock()
    script = (Script()
              .on("POST", "/ims/token/v3", token_reply("zq-tok-one"), token_reply("zq-tok-two"),
                  token_reply("zq-tok-three"))
              .on("GET", "/packages", httpx.Response(401, text="expired"),
                  httpx.Response(401, text="still no")))
    auth = ClientCredentialsAuth(TOKEN_URL, "zq-cid", "zq-secret-abcdef", clock=clock,
                                 sources=("WF_CID", "WF_SECRET"))

    async def go() -> None:
        async with make_client(script, auth=auth, clock=clock) as client:
            await client.list_packages()

    with pytest.raises(AuthError) as caught:
        run(go())
    assert caught.value.status == 401
    assert "$WF_SECRET" in (caught.value.hint or "")
    assert script.count("POST", "/token/v3") == 2
    assert script.count("GET", "/packages") == 2


def test_client_credentials_401_then_success() -> None:
    clock = FakeClock()
    script = (Script()
              .on("POST", "/ims/token/v3", token_reply("zq-tok-one"), token_reply("zq-tok-two"))
              .on("GET", "/packages", httpx.Response(401), json_reply(LIST)))
    auth = ClientCredentialsAuth(TOKEN_URL, "zq-cid", "zq-secret-abcdef", clock=clock)

    async def go() -> None:
        async with make_client(script, auth=auth, clock=clock) as client:
            assert await client.list_packages() == []

    run(go())
    used = [r.headers["Authorization"] for r in script.requests
            if r.url.path.endswith("/packages")]
    assert used == ["Bearer zq-tok-one", "Bearer zq-tok-two"]


def test_refused_token_request_is_an_auth_error(canary: str) -> None:
    script = Script().on("POST", "/ims/token/v3",
                         httpx.Response(400, json={"error": "invalid_client"}))
    auth = ClientCredentialsAuth(TOKEN_URL, "zq-cid", canary, sources=("WF_CID", "WF_SECRET"))

    async def go() -> None:
        async with make_client(script, auth=auth) as client:
            await client.list_packages()

    with pytest.raises(AuthError) as caught:
        run(go())
    assert "invalid_client" in str(caught.value)
    assert canary not in str(caught.value)
    assert script.count("GET", "/packages") == 0


def test_refresh_token_flow_sends_session_id_and_rotates() -> None:
    clock = FakeClock()
    script = (Script()
              .on("POST", "/integrations/oauth2/api/v1/token",
                  token_reply("zq-session-one", 600, refresh_token="zq-refresh-two"),
                  token_reply("zq-session-two", 600, refresh_token="zq-refresh-three"))
              .on("GET", "/packages", json_reply(LIST)))
    auth = RefreshTokenAuth("https://acme.my.workfront.com/integrations/oauth2/api/v1/token",
                            "zq-app-id", "zq-app-secret", "zq-refresh-one", clock=clock)

    async def go() -> None:
        async with make_client(script, auth=auth, clock=clock) as client:
            await client.list_packages()
            clock.advance(600)
            await client.list_packages()

    run(go())
    tokens = [r for r in script.requests if r.url.path.endswith("/token")]
    assert form(tokens[0]) == {"grant_type": "refresh_token", "refresh_token": "zq-refresh-one",
                               "client_id": "zq-app-id", "client_secret": "zq-app-secret"}
    assert form(tokens[1])["refresh_token"] == "zq-refresh-two"
    calls = [r for r in script.requests if r.url.path.endswith("/packages")]
    assert [r.headers["sessionID"] for r in calls] == ["zq-session-one", "zq-session-two"]
    assert all("authorization" not in r.headers for r in calls)


def test_refresh_token_renews_once_on_401() -> None:
    script = (Script()
              .on("POST", "/token", token_reply("zq-session-one"), token_reply("zq-session-two"))
              .on("GET", "/packages", httpx.Response(401), json_reply(LIST)))
    auth = RefreshTokenAuth("https://acme.my.workfront.com/token", "zq-id", "zq-secret-1",
                            "zq-r-1", clock=FakeClock())

    async def go() -> None:
        async with make_client(script, auth=auth) as client:
            await client.list_packages()

    run(go())
    assert auth.token_requests == 2


def test_sync_flow_works_too() -> None:
    script = (Script()
              .on("POST", "/token", token_reply("zq-session-one"))
              .on("GET", "/x", json_reply({})))
    auth = RefreshTokenAuth("https://h.test/token", "zq-id", "zq-secret-1", "zq-r-1",
                            clock=FakeClock())
    with httpx.Client(transport=script.transport(), auth=auth) as client:
        client.get("https://h.test/x")
        client.get("https://h.test/x")
    assert script.count("POST", "/token") == 1
    assert script.requests[-1].headers["sessionID"] == "zq-session-one"


# --- from configuration -------------------------------------------------------------------


def test_auth_from_config_each_mode(canary: str) -> None:
    environ = {"KEY": canary, "CID": "zq-client-id", "CSEC": canary + "s", "RTOK": canary + "r"}
    assert auth_from_config(None, environ, "sandbox") is None
    assert isinstance(auth_from_config(AuthConfig(apikey_env="KEY"), environ, "s"), ApiKeyAuth)
    assert isinstance(auth_from_config(AuthConfig(session_env="KEY"), environ, "s"),
                      SessionAuth)
    assert isinstance(auth_from_config(AuthConfig(bearer_env="KEY"), environ, "s"), BearerAuth)
    oauth = auth_from_config(AuthConfig(oauth=OAuthClientCredentials(
        client_id_env="CID", client_secret_env="CSEC", token_url=TOKEN_URL)), environ, "s")
    assert isinstance(oauth, ClientCredentialsAuth)
    refresh = auth_from_config(AuthConfig(refresh=OAuthRefreshToken(
        client_id_env="CID", client_secret_env="CSEC", refresh_token_env="RTOK",
        token_url=TOKEN_URL)), environ, "s")
    assert isinstance(refresh, RefreshTokenAuth)
    for auth in (oauth, refresh, ApiKeyAuth(canary, source="KEY")):
        assert canary not in repr(auth)
        assert canary not in str(vars(auth).get("source"))


@pytest.mark.parametrize("environ", [{}, {"WF_SANDBOX_KEY": ""}, {"WF_SANDBOX_KEY": "  "}])
def test_missing_variable_names_variable_and_environment(environ: dict[str, str]) -> None:
    with pytest.raises(AuthError) as caught:
        auth_from_config(AuthConfig(apikey_env="WF_SANDBOX_KEY"), environ, "sandbox")
    assert "$WF_SANDBOX_KEY" in caught.value.message
    assert "'sandbox'" in caught.value.message
    assert caught.value.hint and "export WF_SANDBOX_KEY" in caught.value.hint


def test_secrets_from_config_are_registered(canary: str) -> None:
    from reconciler.redact import redact

    auth_from_config(AuthConfig(session_env="S"), {"S": canary}, "preview")
    assert canary not in redact(f"header sessionID: {canary}")


def test_401_names_the_variable_and_nothing_leaks(canary: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    script = Script().on("GET", "/packages", httpx.Response(
        401, text=f"<html><title>Unauthorized</title>bad key {canary}</html>"))
    auth = auth_from_config(AuthConfig(apikey_env="WF_PREVIEW_KEY"),
                            {"WF_PREVIEW_KEY": canary}, "preview")
    logger = logging.getLogger("reconciler")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    try:
        async def go() -> None:
            async with make_client(script, auth=auth) as client:
                assert canary not in repr(client)
                await client.list_packages()

        with pytest.raises(AuthError) as caught:
            run(go())
    finally:
        logger.removeHandler(caplog.handler)
    err = caught.value
    assert "$WF_PREVIEW_KEY" in (err.hint or "")
    everything = " ".join([str(err), repr(err), err.render(), repr(auth), caplog.text,
                           *(r.getMessage() for r in caplog.records)])
    assert canary not in everything
    assert script.requests[0].headers["apikey"] == canary  # it was sent, just never shown


def test_concurrent_requests_share_one_token_fetch() -> None:
    import asyncio

    from apihelpers import ROOT

    from reconciler.api.client import PromotionClient
    from reconciler.domain.profiles import get_profile

    clock = FakeClock()
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        await asyncio.sleep(0)  # let the other requests run while the token is in flight
        if request.url.path.endswith("/token/v3"):
            await asyncio.sleep(0)
            return token_reply("zq-tok-one")
        return json_reply(LIST)

    auth = ClientCredentialsAuth(TOKEN_URL, "zq-cid", "zq-secret-abcdef", clock=clock)
    profile = get_profile("current")

    async def go() -> None:
        async with PromotionClient("preview", profile.api_root(ROOT), profile, auth=auth,
                                   transport=httpx.MockTransport(handler),
                                   clock=clock) as client:
            await asyncio.gather(*(client.list_packages() for _ in range(8)))

    run(go())
    assert auth.token_requests == 1
    assert sum(p.endswith("/packages") for p in seen) == 8
