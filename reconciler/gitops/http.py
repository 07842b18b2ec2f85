"""HTTP for the providers: one request at a time, rate limits waited out on the Clock,
pagination by the ``Link`` header, and errors that never carry the token.

GitHub's rules ("Best practices for using the REST API"): a 403 or 429 with ``retry-after``
means wait that many seconds; with ``x-ratelimit-remaining: 0`` wait until
``x-ratelimit-reset``; a secondary rate limit without either means wait at least a minute,
then back off exponentially. Writes are spaced at least one second apart. GitLab answers 429
with ``Retry-After`` or ``RateLimit-Reset``. All waits together stay within ``wait_budget``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from reconciler.clock import Clock
from reconciler.gitops.provider import ProviderError, RateLimited, ReadOnlyToken
from reconciler.redact import redact
from reconciler.retry_after import parse_retry_after

log = logging.getLogger(__name__)

WRITE_SPACING = 1.0          # seconds between POST/PATCH/PUT/DELETE (GitHub's advice)
SECONDARY_WAIT = 60.0        # first wait for a rate limit that names no time
MAX_PAGES = 1000             # a loop guard: 100,000 comments


class ApiSession:
    """An httpx client plus the waiting rules; ``notify`` prints waits for the user."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock, *, provider: str,
                 wait_budget: float = 600.0,
                 notify: Callable[[str], None] | None = None,
                 read_only_hint: str = "") -> None:
        self.client = client
        self.clock = clock
        self.provider = provider
        self.wait_budget = wait_budget
        self.waited = 0.0
        self.notify = notify or (lambda message: log.warning("%s", message))
        self.read_only_hint = read_only_hint
        self._last_write: float | None = None

    async def request(self, method: str, url: str, *, json: Any = None,
                      params: Mapping[str, Any] | None = None,
                      allow: tuple[int, ...] = ()) -> httpx.Response:
        """Send one request; wait out rate limits; raise on refusals except ``allow``ed."""
        write = method not in ("GET", "HEAD")
        blind = 0  # waits so far for rate limits that named no time
        while True:
            if write:
                await self._space_writes()
            try:
                response = await self.client.request(method, url, json=json, params=params)
            except httpx.HTTPError as exc:
                raise ProviderError(
                    f"{method} {_path(url)}: cannot reach the {self.provider} API "
                    f"({type(exc).__name__})",
                    hint="check the API URL (--api-url) and the network") from None
            if write:
                self._last_write = self.clock.monotonic()
            wait = rate_limit_wait(response, self.clock.now(), blind)
            if wait is None:
                break
            if not _names_time(response):
                blind += 1
            if self.waited + wait > self.wait_budget:
                raise RateLimited(
                    f"{self.provider} rate limit: {method} {_path(url)} would need another "
                    f"{wait:.0f} s of waiting, beyond the budget of {self.wait_budget:.0f} s "
                    f"({self.waited:.0f} s waited)",
                    hint="run again later, or raise --wait-budget")
            self.notify(f"{self.provider} rate limit (HTTP {response.status_code}): waiting "
                        f"{wait:.0f} s before retrying {method} {_path(url)}")
            self.waited += wait
            await self.clock.sleep(wait)
        if response.status_code < 400 or response.status_code in allow:
            return response
        raise self._error(method, url, response)

    async def paginate(self, url: str, params: Mapping[str, Any]) -> list[Any]:
        """Every item of a listing, following ``Link: rel="next"`` (or GitLab's
        ``X-Next-Page``) from the first page on."""
        items: list[Any] = []
        next_url: str | None = url
        next_params: Mapping[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if next_url is None:
                break
            response = await self.request("GET", next_url, params=next_params)
            page = response.json()
            if not isinstance(page, list):
                raise ProviderError(f"GET {_path(url)}: expected a list from the "
                                    f"{self.provider} API")
            items.extend(page)
            link = response.links.get("next", {}).get("url")
            if link:
                next_url, next_params = link, None  # the link carries the query
            elif response.headers.get("x-next-page"):
                next_url = url
                next_params = {**params, "page": response.headers["x-next-page"]}
            else:
                next_url = None
        return items

    async def _space_writes(self) -> None:
        if self._last_write is None:
            return
        gap = WRITE_SPACING - (self.clock.monotonic() - self._last_write)
        if gap > 0:
            await self.clock.sleep(gap)

    def _error(self, method: str, url: str, response: httpx.Response) -> Exception:
        status = response.status_code
        message = _message(response)
        where = f"{method} {_path(url)}"
        if status == 403 or (status == 404 and method != "GET" and "fork" in message.lower()):
            return ReadOnlyToken(
                f"the {self.provider} token cannot write here ({where}: HTTP {status}"
                f"{': ' + message if message else ''}); "
                f"{self.read_only_hint or 'the plan is in the job summary'}")
        if status == 401:
            return ProviderError(f"{where}: the {self.provider} token was refused (HTTP 401)",
                                 hint="check the token variable (--token-env) and its scopes")
        if status == 404:
            return ProviderError(f"{where}: not found (HTTP 404)",
                                 hint="check the repository or project, the request number "
                                      "and that the token can see them")
        return ProviderError(f"{where}: HTTP {status}{': ' + message if message else ''}")


def _names_time(response: httpx.Response) -> bool:
    headers = response.headers
    return "retry-after" in headers or "x-ratelimit-reset" in headers \
        or "ratelimit-reset" in headers


def rate_limit_wait(response: httpx.Response, now: float, blind: int) -> float | None:
    """Seconds to wait before repeating the request, or None when it is no rate limit.
    ``blind`` counts the earlier waits that named no time, for the exponential back-off."""
    status = response.status_code
    if status not in (403, 429):
        return None
    headers = response.headers
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if retry_after is not None:
        return max(1.0, retry_after)
    remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
    reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset"))
    if remaining == "0" and reset is not None:
        try:
            return max(1.0, float(reset) - now + 1.0)
        except ValueError:
            pass
    if status == 429 or "rate limit" in _message(response).lower():
        return SECONDARY_WAIT * (2 ** blind)
    return None  # a plain 403: permissions, not a rate limit


def _message(response: httpx.Response) -> str:
    """The provider's short error message, redacted and clipped."""
    try:
        data = response.json()
    except ValueError:
        return redact(response.text[:200]).strip()
    if isinstance(data, dict):
        text = data.get("message") or data.get("error") or ""
        if isinstance(text, dict | list):
            text = str(text)
        return redact(str(text))[:200]
    return ""


def _path(url: str) -> str:
    """A URL without scheme, host or query: short, and never a credential."""
    return httpx.URL(url).path

