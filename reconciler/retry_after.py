"""``Retry-After`` as both HTTP sides read it (the Workfront client, the review providers).

RFC 9110 §10.2.3: delta-seconds or an HTTP date. A fraction of a second is accepted too (some
proxies send one); anything else is unreadable and the caller falls back to its own wait.
"""

from __future__ import annotations

import email.utils
import re

_SECONDS = re.compile(r"\d+(\.\d+)?")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from ``now`` (epoch seconds); None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)
