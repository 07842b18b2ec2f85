"""Sending one request: timeouts, polite retries, and failures turned into our own errors.

Which requests are repeated:

* GET, PUT, DELETE and PATCH are safe to repeat. PATCH is only ever sent with name,
  description or status (plain assignments, same result however often applied) or, under the
  2023 profile, with objectCollections (a re-assembly that converges on the same content).
* A POST marked ``retry_safe=False`` (package create, both installs) is repeated only when the
  request certainly never reached the service: the connection could not be opened, or the
  service answered 429 (refused because of rate limiting). Any other lost or failed answer
  raises :class:`OutcomeUnknown`, and the caller re-lists to find out what happened.
* Retried answers: 429, 500, 502, 503, 504 and transport errors, for every request safe to
  repeat (a 500 on a read is as passing as a 503); a POST that is not safe to repeat is
  retried only on 429. ``Retry-After`` (seconds or an HTTP date) is honoured up to
  ``RetryPolicy.retry_after_cap``. All attempts share one budget (``RetryPolicy``).
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler.api.trace import log_failure, retry_number
from reconciler.clock import Clock, RealClock
from reconciler.errors import ApiError, AuthError, WfpromoteError
from reconciler.redact import redact, safe_url
from reconciler.retry_after import parse_retry_after

log = logging.getLogger("reconciler.api")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
EXCERPT_CHARS = 200
# Paths that always exist under a correct API root: a 404 there means a wrong url or profile.
_COLLECTIONS = ("/packages", "/installations")
# Routes that act on an object: a 404 may mean the route, not the object, is missing.
_ACTION_ROUTES = ("/install", "/translation-map", "/prepare-installation", "/definition")
UNREACHABLE_HINT = ("is the server reachable? Check the environment's url in wfpromote.yaml "
                    "and the network (proxy, VPN, DNS)")
TOKEN_UNREACHABLE_HINT = ("is the token endpoint reachable? Check token_url in wfpromote.yaml "
                          "and the network (proxy, VPN, DNS)")


class OutcomeUnknown(ApiError):
    """A request that must not be repeated lost its answer: it may or may not have happened.

    The caller re-reads the remote state (e.g. lists packages or installations) to find out.
    """


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4            # including the first
    base_delay: float = 0.5          # seconds before the first retry
    max_delay: float = 20.0          # cap on one backoff step
    jitter: float = 0.25             # each step grows by up to this fraction, at random
    total_budget: float = 90.0       # seconds of waiting and trying across all attempts
    retry_after_cap: float = 60.0    # longest Retry-After we honour for one wait
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def backoff(self, retry_number: int) -> float:
        """Delay before retry ``retry_number`` (1 for the first retry), with jitter."""
        step = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return step * (1.0 + self.jitter * self.random())

    def delay(self, retry_number: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(0.0, retry_after), self.retry_after_cap)
        return self.backoff(retry_number)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, one-line, redacted piece of a body; an HTML page is reduced to its text."""
    if re.search(r"(?is)<(!doctype|html|body|head)\b", text):
        title = re.search(r"(?is)<title[^>]*>(.*?)</title>", text)
        text = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", text)
        text = re.sub(r"(?s)<[^>]+>", " ", text)
        if title:
            text = f"{title.group(1)} | {text}"
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass
class Sender:
    """Sends requests for one client with the retry policy and error mapping."""

    client: httpx.AsyncClient
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Clock = field(default_factory=RealClock)
    auth_hint: str | None = None    # e.g. "check the API key in $WF_SANDBOX_KEY"

    async def send(self, method: str, url: str, *, json: Any = None,
                   params: dict[str, str] | None = None, retry_safe: bool | None = None,
                   accept_after_retry: Collection[int] = ()) -> httpx.Response:
        """Send, retrying what is safe; return a 2xx response or raise an ApiError.

        ``accept_after_retry``: statuses that count as success on a repeated attempt (a
        repeated DELETE whose first answer was lost finds nothing: 404).
        """
        idempotent = method.upper() in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        started = self.clock.monotonic()
        attempt = 0  # local: one Sender serves many concurrent requests
        while True:
            attempt += 1
            request = self.client.build_request(method, url, json=json, params=params)
            shown = safe_url(request.url)
            retry_number.set(attempt - 1)
            try:
                response = await self.client.send(request)
            except WfpromoteError:
                raise
            except httpx.HTTPError as exc:
                # The failed request may be the auth's token request, not ours: then ours
                # was not sent (or was answered 401), and the message must name the
                # token_url, not the API url the user would otherwise go and check.
                token_url = _other_url(exc, request)
                never_sent = token_url is not None or isinstance(
                    exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if not (idempotent or never_sent):
                    raise OutcomeUnknown(
                        f"the answer was lost ({_describe(exc)}); the request may or may not "
                        "have taken effect", method=method, url=shown,
                        hint="list the remote state again before repeating it") from None
                failed_method, failed_url = ("POST", token_url) if token_url else (method, shown)
                log_failure(failed_method, failed_url, _describe(exc))
                wait = self._next_wait(attempt, started, None)
                if wait is None:
                    raise ApiError(
                        f"{'token ' if token_url else ''}request failed: {_describe(exc)}",
                        method=failed_method, url=failed_url,
                        hint=TOKEN_UNREACHABLE_HINT if token_url else UNREACHABLE_HINT,
                    ) from None
                log.warning("%s %s failed (%s); retrying in %.1fs", failed_method, failed_url,
                            _describe(exc), wait)
                await self.clock.sleep(wait)
                continue

            status = response.status_code
            if 200 <= status < 300 or (attempt > 1 and status in accept_after_retry):
                await response.aread()
                return response
            await response.aread()
            if status in RETRY_STATUSES and (idempotent or status == 429):
                retry_after = parse_retry_after(response.headers.get("Retry-After"),
                                                self.clock.now())
                wait = self._next_wait(attempt, started, retry_after)
                if wait is not None:
                    log.warning("%s %s answered %d; retrying in %.1fs", method, shown,
                                status, wait)
                    await self.clock.sleep(wait)
                    continue
            raise self._status_error(method, shown, response, idempotent)

    def _next_wait(self, attempt: int, started: float,
                   retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None when attempts or budget are spent."""
        if attempt >= self.retry.max_attempts:
            return None
        wait = self.retry.delay(attempt, retry_after)
        if self.clock.monotonic() - started + wait > self.retry.total_budget:
            return None
        return wait

    def _status_error(self, method: str, url: str, response: httpx.Response,
                      idempotent: bool) -> ApiError:
        status = response.status_code
        body = excerpt(response.text)
        if status in (401, 403):
            verdict = "credentials refused" if status == 401 else "access denied"
            return AuthError(verdict, method=method, url=url, status=status, excerpt=body,
                             hint=self.auth_hint or "check the environment's auth settings")
        if status in (502, 503, 504) and not idempotent:
            return OutcomeUnknown(
                "the service failed to answer; the request may or may not have taken effect",
                method=method, url=url, status=status, excerpt=body,
                hint="list the remote state again before repeating it")
        if status == 429:
            return ApiError("rate limited; gave up after retrying", method=method, url=url,
                            status=status, excerpt=body, hint="try again later or lower "
                            "`concurrency` in wfpromote.yaml")
        if 300 <= status < 400:
            # Redirects are not followed: they would carry the credential to another host.
            # A redirect usually means a login page or a wrong host/scheme in the url.
            target = response.headers.get("Location")
            where = f"redirected to {safe_url(target)}" if target else "redirected"
            return ApiError(where, method=method, url=url, status=status, excerpt=body,
                            hint="check the environment's url in wfpromote.yaml: it must be "
                                 "the API host itself (https, no login page in between)")
        if status >= 500:
            hint = "the service failed; try again later"
        elif status == 404 and urlsplit(url).path.rstrip("/").endswith(_COLLECTIONS):
            hint = ("no API at this address: check the environment's url in wfpromote.yaml "
                    "and the `api:` profile (current: /environment-promotion/api/v1, "
                    "2023: /environment-promotion/v1)")
        elif status == 404 and urlsplit(url).path.rstrip("/").endswith(_ACTION_ROUTES):
            # The route itself may be missing (an endpoint of another doc era), so this is
            # not "the object does not exist".
            hint = ("the service has no such route here, or the package or installation is "
                    "unknown to it: check the `api:` profile in wfpromote.yaml (not every "
                    "profile offers every endpoint) and the ids")
        elif status == 404:
            hint = "the object does not exist (any more) in this environment"
        else:
            hint = "the service refused the request; its answer is quoted above"
        return ApiError("request failed", method=method, url=url, status=status,
                        excerpt=body, hint=hint)


def _other_url(exc: httpx.HTTPError, ours: httpx.Request) -> str | None:
    """The shown URL of the request that failed, when it is not ``ours`` (a token request)."""
    try:
        failed = exc.request
    except RuntimeError:  # an exception raised without a request attached
        return None
    return None if failed is ours or failed.url == ours.url else safe_url(failed.url)


def _describe(exc: httpx.HTTPError) -> str:
    kinds: dict[type[httpx.HTTPError], str] = {
        httpx.ConnectError: "cannot connect",
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "timed out waiting for the answer",
        httpx.WriteTimeout: "timed out sending the request",
        httpx.PoolTimeout: "no free connection",
        httpx.RemoteProtocolError: "connection dropped",
        httpx.ReadError: "connection dropped while reading",
    }
    kind = kinds.get(type(exc), type(exc).__name__)
    detail = redact(str(exc))[:EXCERPT_CHARS]
    return f"{kind}: {detail}" if detail else kind
