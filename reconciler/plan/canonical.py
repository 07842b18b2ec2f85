"""Canonical values of compared fields, so the plan shows only real changes.

Both sides pass through the same functions: the server's additions (extra fields, the marker,
old status names, the string "null", CRLF, surrounding whitespace, key and entity order) must
never surface as a diff.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from reconciler.domain.statuses import status_name, text_or_empty
from reconciler.plan.ownership import MARKER_WORD, Marker, split_marker, strip_marker

# While a package assembles it is on its way to DRAFT; compare it as that.
_TRANSIENT_AS: Mapping[str | None, str] = {"ASSEMBLING": "DRAFT"}


def description(value: object) -> str:
    """Marker stripped, line endings unified, trailing spaces per line and outer blanks gone."""
    if isinstance(value, str) and "\n" not in value and "\r" not in value \
            and MARKER_WORD not in value:
        # One line and no marker: what the general way below leaves of it.
        text = value.strip()
        return "" if text.lower() == "null" else text
    return _tidy(strip_marker(text_or_empty(value)))


def marker_and_description(value: str | None) -> tuple[Marker | None, str]:
    """``(parse_marker(value), description(value))``, reading the lines once. The marker is
    the same: ``text_or_empty`` changes only an empty or "null" text, which has no marker."""
    marker, rest = split_marker(text_or_empty(value))
    return marker, _tidy(rest)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text_or_empty(text).split("\n")]
    return "\n".join(lines).strip()


def status(value: object) -> str | None:
    text = status_name(text_or_empty(value) or None)   # None, or a non-empty name
    return _TRANSIENT_AS.get(text, text)


def name(value: object) -> str:
    """Surrounding blanks trimmed and Unicode NFC-normalised: "é" written as one character or
    as "e" and a combining accent is one name, as a person (and a service comparing text)
    reads it. Every name comparison (declared with declared, declared with remote) goes
    through here."""
    text = text_or_empty(value).strip()
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def url(value: object) -> str:
    """Scheme and host lower-cased, no trailing slash: the API validates these as URLs."""
    text = text_or_empty(value).strip().rstrip("/")
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text.lower()
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def entity_ids(records: Any) -> set[str]:
    """IDs of a list of entity records, whatever the key casing ("ID" declared, "id" served)."""
    ids: set[str] = set()
    for record in records or ():
        if isinstance(record, dict):
            value = record.get("ID", record.get("id"))
            if value:
                ids.add(str(value).strip().lower())
    return ids
