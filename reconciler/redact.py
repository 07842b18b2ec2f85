"""Keeps secrets out of every output.

Every secret value the tool reads (API keys, session IDs, bearer and OAuth tokens, client
secrets) is registered here the moment it is read; ``redact`` replaces each registered value
in any text, and the CLI's error boundary and log handler pass everything through it.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()
# Header and field names whose values are secret whatever they hold.
SECRET_KEYS = re.compile(
    r"(?i)(apikey|api_key|sessionid|session_id|authorization|access_token|refresh_token|"
    r"client_secret|password|token)")


def register(value: str | None) -> None:
    """Remember a secret so it is masked wherever it would be printed.

    The forms it takes once encoded are remembered too: a token endpoint or a proxy that
    echoes a refused form body or URL shows the secret percent-encoded, and a JSON answer
    shows it with its quotes and backslashes escaped.
    """
    if value and len(value) >= 4:
        with _lock:
            _secrets.update(v for v in _encoded_forms(value) if len(v) >= 4)


def _encoded_forms(value: str) -> set[str]:
    import html
    import json
    from urllib.parse import quote, quote_plus

    return {value, quote(value, safe=""), quote(value), quote_plus(value),
            json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
            html.escape(value)}


def redact(text: str) -> str:
    if not text:
        return text
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def safe_url(url: object) -> str:
    """A URL (text or ``httpx.URL``) as it may be shown: no user info, secret query
    parameters masked, registered secrets redacted."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode([(k, MASK if SECRET_KEYS.search(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)],
                      safe="*")
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
