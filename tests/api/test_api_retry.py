"""Retries, Retry-After, never repeating a create or an install blindly, clear failures."""

from __future__ import annotations

import email.utils
import logging

import httpx
import pytest
from apihelpers import Script, json_reply, make_client, run

from reconciler.api.transport import OutcomeUnknown, RetryPolicy, excerpt
from reconciler.clock import FakeClock
from reconciler.errors import ApiError
from reconciler.redact import safe_url
from reconciler.retry_after import parse_retry_after

PKG = "2e6a94c0-4c1f-4b7e-9a53-0f1b2c3d4e5f"
LIST: dict[str, list[object]] = {"data": []}
PACKAGE = {"data": {"id": PKG, "name": "p", "status": "ASSEMBLING"}}


def policy(**kw: float) -> RetryPolicy:
    return RetryPolicy(random=lambda: 0.0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_get_retries_with_exponential_backoff(status: int) -> None:
    clock = FakeClock()
    script = Script().on("GET", "/packages", httpx.Response(status), httpx.Response(status),
                         httpx.Response(status), json_reply(LIST))

    async def go() -> None:
        async with make_client(script, clock=clock,
                               retry=policy(base_delay=0.5, max_attempts=4)) as client:
            assert await client.list_packages() == []

    run(go())
    assert script.count("GET", "/packages") == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_jitter_comes_from_the_injected_random() -> None:
    clock = FakeClock()
    script = Script().on("GET", "/packages", httpx.Response(503), json_reply(LIST))
    retry = RetryPolicy(base_delay=1.0, jitter=0.5, random=lambda: 1.0)

    async def go() -> None:
        async with make_client(script, clock=clock, retry=retry) as client:
            await client.list_packages()

    run(go())
    assert clock.sleeps == [1.5]


def test_backoff_is_capped() -> None:
    retry = RetryPolicy(base_delay=1.0, max_delay=3.0, random=lambda: 0.0)
    assert [retry.backoff(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    clock = FakeClock()
    script = Script().on("GET", "/packages", httpx.Response(503, text="busy"))

    async def go() -> None:
        async with make_client(script, clock=clock, retry=policy(max_attempts=3)) as client:
            await client.list_packages()

    with pytest.raises(ApiError) as caught:
        run(go())
    assert caught.value.status == 503 and "busy" in str(caught.value)
    assert script.count("GET", "/packages") == 3


def test_total_budget_stops_retrying() -> None:
    clock = FakeClock()
    script = Script().on("GET", "/packages", httpx.Response(503))

    async def go() -> None:
        async with make_client(script, clock=clock,
                               retry=policy(max_attempts=10, base_delay=4.0,
                                            max_delay=100.0, total_budget=10.0)) as client:
            await client.list_packages()

    with pytest.raises(ApiError):
        run(go())
    assert clock.sleeps == [4.0]  # the next wait (8 s) would overrun the 10 s budget


def test_retry_after_seconds_is_honoured_and_capped() -> None:
    clock = FakeClock()
    script = Script().on("GET", "/packages",
                         httpx.Response(429, headers={"Retry-After": "7"}),
                         httpx.Response(503, headers={"Retry-After": "500"}),
                         json_reply(LIST))

    async def go() -> None:
        async with make_client(script, clock=clock,
                               retry=policy(retry_after_cap=30.0)) as client:
            await client.list_packages()

    run(go())
    assert clock.sleeps == [7.0, 30.0]


def test_retry_after_http_date() -> None:
    clock = FakeClock(start=1_700_000_000.0)
    when = email.utils.formatdate(1_700_000_012.0, usegmt=True)
    script = Script().on("GET", "/packages", httpx.Response(429, headers={"Retry-After": when}),
                         json_reply(LIST))

    async def go() -> None:
        async with make_client(script, clock=clock) as client:
            await client.list_packages()

    run(go())
    assert clock.sleeps == [12.0]


def test_parse_retry_after_edge_cases() -> None:
    assert parse_retry_after(None, 0) is None
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after("3", 0) == 3.0
    past = email.utils.formatdate(100.0, usegmt=True)
    assert parse_retry_after(past, 1000.0) == 0.0


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_no_retry_on_client_errors(status: int) -> None:
    script = Script().on("GET", "/packages", httpx.Response(status, json={"error": "nope"}))

    async def go() -> None:
        async with make_client(script) as client:
            await client.list_packages()

    with pytest.raises(ApiError) as caught:
        run(go())
    assert caught.value.status == status and "nope" in str(caught.value)
    assert script.count("GET", "/packages") == 1


@pytest.mark.parametrize("reply", [httpx.Response(503), httpx.Response(502),
                                   httpx.ReadTimeout("slow"),
                                   httpx.RemoteProtocolError("dropped")])
def test_package_create_is_never_repeated_on_a_lost_answer(reply: object) -> None:
    clock = FakeClock()
    script = Script().on("POST", "/packages", reply, json_reply(PACKAGE))  # type: ignore[arg-type]

    async def go() -> None:
        async with make_client(script, clock=clock) as client:
            await client.create_package({"name": "p"})

    with pytest.raises(OutcomeUnknown) as caught:
        run(go())
    assert script.count("POST", "/packages") == 1
    assert clock.sleeps == []
    assert caught.value.method == "POST"
    assert "list the remote state" in (caught.value.hint or "")


def test_package_create_is_not_repeated_on_a_500_either() -> None:
    # The create's own lost-answer logic (apply/idempotent.py) lists before any second POST.
    clock = FakeClock()
    script = Script().on("POST", "/packages", httpx.Response(500), json_reply(PACKAGE))

    async def go() -> None:
        async with make_client(script, clock=clock) as client:
            await client.create_package({"name": "p"})

    with pytest.raises(ApiError) as caught:
        run(go())
    assert caught.value.status == 500 and script.count("POST", "/packages") == 1


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "PREPARE"])
def test_every_safe_write_is_retried_on_500(method: str) -> None:
    clock = FakeClock()
    path = f"/packages/{PKG}/prepare-installation" if method == "PREPARE" else f"/packages/{PKG}"
    verb = "POST" if method == "PREPARE" else method
    ok = json_reply({"id": "i-1", "status": "PREPARING"}) if method == "PREPARE" else \
        json_reply(PACKAGE)
    script = Script().on(verb, path, httpx.Response(500), httpx.Response(500), ok)

    async def go() -> None:
        async with make_client(script, clock=clock, retry=policy(base_delay=0.5)) as client:
            if method == "PATCH":
                await client.patch_package(PKG, {"status": "ACTIVE"})
            elif method == "DELETE":
                await client.delete_package(PKG)
            else:
                await client.prepare_installation(PKG)

    run(go())
    assert script.count(verb, path) == 3
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(("method", "call"), [
    ("POST", "install"), ("POST", "install_with_map")])
def test_install_posts_are_never_repeated(method: str, call: str) -> None:
    script = (Script()
              .on("POST", "/i-1/install", httpx.ReadError("lost"))
              .on("POST", f"/packages/{PKG}/install", httpx.Response(504)))

    async def go() -> None:
        async with make_client(script) as client:
            if call == "install":
                await client.install("i-1")
            else:
                await client.install_with_map(PKG, {})

    with pytest.raises(OutcomeUnknown):
        run(go())
    assert len(script.requests) == 1


def test_create_is_retried_when_it_never_reached_the_service() -> None:
    clock = FakeClock()
    script = Script().on("POST", "/packages", httpx.ConnectError("refused"),
                         httpx.Response(429, headers={"Retry-After": "2"}),
                         json_reply(PACKAGE))

    async def go() -> None:
        async with make_client(script, clock=clock) as client:
            assert (await client.create_package({"name": "p"})).id == PKG

    run(go())
    assert script.count("POST", "/packages") == 3
    assert clock.sleeps == [0.5, 2.0]


def test_create_400_is_a_plain_error_not_retried() -> None:
    script = Script().on("POST", "/packages", httpx.Response(400, text="name too short"))

    async def go() -> None:
        async with make_client(script) as client:
            await client.create_package({"name": "p"})

    with pytest.raises(ApiError) as caught:
        run(go())
    assert not isinstance(caught.value, OutcomeUnknown)
    assert "name too short" in str(caught.value)
    assert len(script.requests) == 1


def test_idempotent_requests_retry_on_connection_errors() -> None:
    clock = FakeClock()
    script = Script().on("PATCH", f"/packages/{PKG}", httpx.ReadTimeout("slow"),
                         json_reply(PACKAGE))

    async def go() -> None:
        async with make_client(script, clock=clock) as client:
            await client.patch_package(PKG, {"description": "x"})

    run(go())
    assert script.count("PATCH", f"/packages/{PKG}") == 2


def test_repeated_delete_finding_nothing_is_success() -> None:
    script = Script().on("DELETE", f"/packages/{PKG}", httpx.ReadError("lost"),
                         httpx.Response(404, text="not found"))

    async def go() -> None:
        async with make_client(script) as client:
            await client.delete_package(PKG)

    run(go())
    assert script.count("DELETE", f"/packages/{PKG}") == 2


def test_first_delete_404_is_an_error() -> None:
    script = Script().on("DELETE", f"/packages/{PKG}", httpx.Response(404, text="not found"))

    async def go() -> None:
        async with make_client(script) as client:
            await client.delete_package(PKG)

    with pytest.raises(ApiError) as caught:
        run(go())
    assert caught.value.status == 404


def test_unreachable_server_has_a_hint(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    script = Script().on("GET", "/packages", httpx.ConnectError("Name or service not known"))
    logger = logging.getLogger("reconciler")
    logger.addHandler(caplog.handler)
    try:
        async def go() -> None:
            async with make_client(script, clock=clock, retry=policy(max_attempts=2)) as c:
                await c.list_packages()

        with pytest.raises(ApiError) as caught:
            run(go())
    finally:
        logger.removeHandler(caplog.handler)
    assert "reachable" in (caught.value.hint or "")
    assert "cannot connect" in str(caught.value)
    assert script.count("GET", "/packages") == 2
    assert "retrying" in caplog.text


def test_real_timeout_against_a_silent_loopback_server() -> None:
    import socket

    from apihelpers import ROOT  # noqa: F401  (documents the default root)

    from reconciler.api.client import PromotionClient
    from reconciler.domain.profiles import get_profile

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    profile = get_profile("current")

    async def go() -> None:
        async with PromotionClient("x", profile.api_root(f"http://127.0.0.1:{port}"), profile,
                                   timeout=0.2, retry=RetryPolicy(max_attempts=1)) as client:
            await client.list_packages()

    try:
        with pytest.raises(ApiError) as caught:
            run(go())
    finally:
        listener.close()
    assert "timed out" in str(caught.value)
    assert "reachable" in (caught.value.hint or "")


def test_safe_url_masks_secret_query_parameters(canary: str) -> None:
    url = f"https://user:{canary}@acme.my.workfront.com/p?sessionID={canary}&apiKey={canary}&x=1"
    shown = safe_url(url)
    assert canary not in shown
    assert shown == "https://acme.my.workfront.com/p?sessionID=***&apiKey=***&x=1"


def test_excerpt_is_short_one_line_and_redacted(canary: str) -> None:
    from reconciler.redact import register

    register(canary)
    text = excerpt("line one\n\n  " + canary + " " + "x" * 500)
    assert "\n" not in text and canary not in text and len(text) <= 200


@pytest.mark.parametrize("body", ['{"data": [{"id": ', "<html><body>Bad Gateway</body></html>"])
def test_a_read_whose_body_cannot_be_read_is_asked_once_more(body: str) -> None:
    script = Script().on("GET", "/packages", httpx.Response(200, text=body), json_reply(LIST))

    async def go() -> None:
        async with make_client(script) as client:
            assert await client.list_packages() == []

    run(go())
    assert script.count("GET", "/packages") == 2


def test_a_read_unreadable_twice_is_one_clear_error() -> None:
    script = Script().on("GET", "/packages", httpx.Response(200, text="{"),
                         httpx.Response(200, text="{"))

    async def go() -> None:
        async with make_client(script) as client:
            await client.list_packages()

    with pytest.raises(ApiError, match="expected JSON, got invalid JSON"):
        run(go())
    assert script.count("GET", "/packages") == 2
