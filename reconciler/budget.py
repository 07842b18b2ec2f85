"""The byte budget of one review comment, and sizes in the unit it is counted in.

GitHub takes 65,536 characters per pull-request comment; the budget counts UTF-8 bytes, which
are never fewer than characters, and leaves headroom for the marker and notes. GitLab takes
1,000,000 characters per note; its budget stays the same, so a reviewer reads it on one page.
``plan --format markdown``, ``show`` and ``comment`` all default to it.
"""

from __future__ import annotations

COMMENT_BUDGET = 65_000  # UTF-8 bytes


def utf8_size(text: str) -> int:
    """``text``'s length in UTF-8 bytes, the unit of every budget."""
    return len(text.encode("utf-8"))
