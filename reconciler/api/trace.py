"""The request trace: ``-v`` logs one line per HTTP request, ``-vv`` adds headers and bodies.

``-v`` (INFO on ``reconciler.http``): method, path, status, milliseconds and the retry number,
for every request a client sends, token requests included::

    HTTP GET /environment-promotion/api/v1/packages -> 200 in 12 ms (retry 0)

``-vv`` (DEBUG) adds the request and response headers and the first ``BODY_CHARS`` characters
of each body. Every credential is replaced by ``***`` before anything is logged: headers whose
name says secret (apikey, sessionID, Authorization, Cookie, ...) whatever they hold, JSON
fields and form fields with such names (``access_token`` in a token answer is masked before
the auth code has even read it), and every registered secret value wherever it appears.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from reconciler.redact import MASK, SECRET_KEYS, redact, safe_url

log = logging.getLogger("reconciler.http")

BODY_CHARS = 500
_STARTED = "wfpromote.started"
_SECRET_HEADER = re.compile(r"(?i)(cookie|x-api-key|secret|credential|session)")
_JSON_SECRET = re.compile(
    r'("(?:[^"\\]|\\.)*(?:apikey|api_key|sessionid|session_id|authorization|access_token|'
    r'refresh_token|id_token|client_secret|password|token|secret)(?:[^"\\]|\\.)*"\s*:\s*)'
    r'"(?:[^"\\]|\\.)*"', re.IGNORECASE)

# The retry number of the request being sent: set by the Sender around each attempt.
retry_number: contextvars.ContextVar[int] = contextvars.ContextVar("retry_number", default=0)


def mask_headers(headers: httpx.Headers) -> dict[str, str]:
    return {name: MASK if SECRET_KEYS.search(name) or _SECRET_HEADER.search(name)
            else redact(value) for name, value in headers.items()}


def mask_body(raw: bytes | str, content_type: str = "") -> str:
    """A body as it may be logged: secret fields masked, secrets redacted, truncated."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if not text:
        return ""
    if "x-www-form-urlencoded" in content_type or (
            "=" in text and "{" not in text[:1] and " " not in text.strip()):
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs:
            text = urlencode([(k, MASK if SECRET_KEYS.search(k) else v) for k, v in pairs],
                             safe="*")
    text = _JSON_SECRET.sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= BODY_CHARS else flat[:BODY_CHARS] + f"... ({len(flat)} chars)"


def _shown_path(url: httpx.URL, base: tuple[str, str]) -> str:
    shown = safe_url(url)
    parts = urlsplit(shown)
    if (parts.scheme, parts.netloc) != base:
        return shown  # another host (a token endpoint): say which
    return parts.path + (f"?{parts.query}" if parts.query else "")


def event_hooks(base_url: str) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
    """httpx event hooks that trace every request of one client."""
    split = urlsplit(base_url)
    base = (split.scheme, split.netloc.rsplit("@", 1)[-1])

    async def on_request(request: httpx.Request) -> None:
        request.extensions[_STARTED] = time.perf_counter()

    async def on_response(response: httpx.Response) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        request = response.request
        started = request.extensions.get(_STARTED)
        millis = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        path = _shown_path(request.url, base)
        log.info("HTTP %s %s -> %d in %.0f ms (retry %d)", request.method, path,
                 response.status_code, millis, retry_number.get())
        if not log.isEnabledFor(logging.DEBUG):
            return
        await response.aread()
        log.debug("  request headers: %s", json.dumps(mask_headers(request.headers)))
        body = _request_body(request)
        if body:
            log.debug("  request body: %s", body)
        log.debug("  response headers: %s", json.dumps(mask_headers(response.headers)))
        answer = mask_body(response.content, response.headers.get("content-type", ""))
        if answer:
            log.debug("  response body: %s", answer)

    return {"request": [on_request], "response": [on_response]}


def _request_body(request: httpx.Request) -> str:
    try:
        content = request.content
    except httpx.RequestNotRead:
        return "(streamed)"
    return mask_body(content, request.headers.get("content-type", ""))


def log_failure(method: str, url: str, reason: str) -> None:
    """The -v line of a request that got no answer at all."""
    path = urlsplit(url).path or url
    log.info("HTTP %s %s -> no answer (%s) (retry %d)", method, path, reason,
             retry_number.get())
