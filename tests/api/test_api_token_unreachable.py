"""An unreachable token endpoint is reported as such, not as the API url failing."""

from __future__ import annotations

import httpx
import pytest
from apihelpers import Script, json_reply, make_client, run

from reconciler.api.auth import ClientCredentialsAuth
from reconciler.api.transport import OutcomeUnknown
from reconciler.clock import FakeClock
from reconciler.errors import ApiError

TOKEN_URL = "https://ims.example.test/ims/token/v3"


def test_unreachable_token_endpoint_names_the_token_url() -> None:
    script = Script().on("POST", "/ims/token/v3", httpx.ConnectError("connection refused"))
    auth = ClientCredentialsAuth(TOKEN_URL, "zq-cid", "zq-secret-5521")

    async def go() -> None:
        async with make_client(script, auth=auth, clock=FakeClock()) as client:
            await client.list_packages()

    with pytest.raises(ApiError) as caught:
        run(go())
    err = caught.value
    assert err.url == TOKEN_URL and err.method == "POST"
    assert "token request failed" in err.message and "token_url" in (err.hint or "")
    assert "/packages" not in err.message
    assert script.count("GET", "/packages") == 0
    assert script.count("POST", "/ims/token/v3") == 4  # retried like any unsent request


def test_token_timeout_after_a_401_on_create_is_not_an_unknown_outcome() -> None:
    # The create was answered 401 (not performed); only the renewal then timed out, so the
    # create is known not to have happened and may be repeated.
    script = (Script()
              .on("POST", "/ims/token/v3", json_reply({"access_token": "zq-tok-1"}),
                  httpx.ReadTimeout("slow"))
              .on("POST", "/packages", httpx.Response(401, json={"error": "expired"})))
    auth = ClientCredentialsAuth(TOKEN_URL, "zq-cid", "zq-secret-5521")

    async def go() -> None:
        async with make_client(script, auth=auth, clock=FakeClock()) as client:
            await client.create_package({"name": "Agency Onboarding", "source": "x"})

    with pytest.raises(ApiError) as caught:
        run(go())
    assert not isinstance(caught.value, OutcomeUnknown)
    assert caught.value.url == TOKEN_URL and "token request failed" in caught.value.message
