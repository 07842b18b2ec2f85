"""Turn whatever the service answers, in any doc era, into the values of ``domain.remote``.

Liberal on input: ``{data: ...}`` or bare bodies, ``packageName`` or ``name``, old status
names, ``displayEntities`` or ``packageEntities``, ``blueprintId`` or
``environmentPromotionPackageId``, hosts with or without a scheme, ``"null"`` descriptions.
Unknown fields and statuses are kept. A shape that cannot be read raises
:class:`UnexpectedShape`, which the client turns into an ``ApiError`` naming the request.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from reconciler.domain.remote import (
    Installation,
    RemotePackage,
    TranslationEntry,
    TranslationMap,
    environment_key,
)
from reconciler.domain.statuses import status_name, text_or_empty

UUID_PATTERN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Old field name -> current field name, per object kind.
_PACKAGE_RENAMES = {"packageName": "name", "displayEntities": "packageEntities"}
_INSTALLATION_RENAMES = {
    "blueprintId": "environmentPromotionPackageId",
    "blueprintVersion": "environmentPromotionPackageVersion",
    "packageId": "environmentPromotionPackageId",
}


class UnexpectedShape(ValueError):
    """A response body that is not shaped like anything the service is documented to send."""


def unwrap(payload: Any) -> Any:
    """Strip a ``{"data": ...}`` wrapper, but only when ``data`` is the object's single key."""
    if isinstance(payload, dict) and len(payload) == 1 and "data" in payload:
        return payload["data"]
    return payload


def _renamed(data: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    out = dict(data)
    for old, new in renames.items():
        if old in out:
            value = out.pop(old)
            if out.get(new) is None:
                out[new] = value
    return out


def _entities(value: Any) -> dict[str, list[dict[str, Any]]] | None:
    """objCode -> list of entity summaries; a dict keyed by ID is accepted too."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise UnexpectedShape(f"packageEntities is a {type(value).__name__}, not an object")
    out: dict[str, list[dict[str, Any]]] = {}
    for code, items in value.items():
        if isinstance(items, dict):
            items = [{"id": key, **item} if isinstance(item, dict) else {"id": key}
                     for key, item in items.items()]
        if not isinstance(items, list):
            raise UnexpectedShape(f"packageEntities[{code!r}] is not a list")
        entries = []
        for item in items:
            if not isinstance(item, dict):
                raise UnexpectedShape(f"packageEntities[{code!r}] holds a non-object")
            entry = dict(item)
            if "id" not in entry and "ID" in entry:
                entry["id"] = entry.pop("ID")
            if "description" in entry:
                entry["description"] = text_or_empty(entry["description"])
            entries.append(entry)
        out[str(code)] = entries
    return out


def package(payload: Any) -> RemotePackage:
    """One package (E1, E3, E4, R2 or a list item)."""
    data = unwrap(payload)
    if isinstance(data, dict) and "id" not in data and isinstance(data.get("data"), dict):
        data = data["data"]  # a wrapper with metadata beside `data`
    if not isinstance(data, dict):
        raise UnexpectedShape(f"expected a package object, got {type(data).__name__}")
    data = _renamed(data, _PACKAGE_RENAMES)
    if not data.get("id"):
        raise UnexpectedShape("package object without an id")
    data["id"] = str(data["id"])
    data["name"] = "" if data.get("name") is None else str(data["name"])
    data["description"] = text_or_empty(data.get("description"))
    data["status"] = status_name(data.get("status"))
    data["packageEntities"] = _entities(data.get("packageEntities"))
    try:
        return RemotePackage.model_validate(data)
    except ValidationError as exc:
        raise UnexpectedShape(f"unreadable package object: {_first_error(exc)}") from None


def packages(payload: Any) -> list[RemotePackage]:
    """The package list (E2): ``{data: [...]}`` or a bare array."""
    # Be liberal: a list nested under a single well-known key.
    return [package(item)
            for item in _items(payload, ("data", "packages", "items", "results"), "packages")]


def translation_map(payload: Any) -> TranslationMap:
    """objCode -> source ID -> entry (E10, or the ``translationMap`` of an installation)."""
    data = unwrap(payload)
    if isinstance(data, dict) and isinstance(data.get("translationMap"), dict):
        data = data["translationMap"]
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UnexpectedShape(f"expected a translation map object, got {type(data).__name__}")
    out: TranslationMap = {}
    for code, records in data.items():
        if not isinstance(records, dict):
            raise UnexpectedShape(f"translationMap[{code!r}] is not an object")
        out[str(code)] = {str(source_id): _entry(code, source_id, entry)
                          for source_id, entry in records.items()}
    return out


def _entry(code: str, source_id: str, entry: Any) -> TranslationEntry:
    if not isinstance(entry, dict):
        raise UnexpectedShape(f"translationMap[{code!r}][{source_id!r}] is not an object")
    data = dict(entry)
    data["name"] = "" if data.get("name") is None else str(data["name"])
    data["action"] = str(data.get("action") or "").upper()
    data["targetId"] = "" if data.get("targetId") is None else str(data["targetId"])
    if data.get("installationStatus") is not None:
        data["installationStatus"] = str(data["installationStatus"]).upper()
    try:
        return TranslationEntry.model_validate(data)
    except ValidationError as exc:
        raise UnexpectedShape(f"unreadable translation entry: {_first_error(exc)}") from None


def installation(payload: Any) -> Installation:
    """One installation or pre-run record (E6, E9, an E8 item)."""
    data = unwrap(payload)
    if not isinstance(data, dict):
        raise UnexpectedShape(f"expected an installation object, got {type(data).__name__}")
    data = _renamed(data, _INSTALLATION_RENAMES)
    if not data.get("id"):
        raise UnexpectedShape("installation object without an id")
    data["id"] = str(data["id"])
    if data.get("status") is not None:
        data["status"] = str(data["status"]).strip().upper()
    data["environment"] = environment_key(data.get("environment"))
    data["translationMap"] = translation_map(data.get("translationMap"))
    try:
        return Installation.model_validate(data)
    except ValidationError as exc:
        raise UnexpectedShape(f"unreadable installation object: {_first_error(exc)}") from None


def installations(payload: Any) -> list[Installation]:
    """The installation history (E8): a bare array (a ``data`` wrapper is accepted)."""
    return [installation(item)
            for item in _items(payload, ("installations",), "installations")]


def _items(payload: Any, keys: tuple[str, ...], what: str) -> list[Any]:
    """The list of a list answer: bare, in a ``data`` wrapper, or under the first of ``keys``
    that holds a list."""
    data = unwrap(payload)
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise UnexpectedShape(f"expected a list of {what}, got {type(data).__name__}")
    return data


def newest(items: list[Installation]) -> Installation | None:
    """The most recently registered installation (ISO timestamps sort as text)."""
    if not items:
        return None
    # Stable sort keeps the service's order for equal or missing timestamps; last wins.
    ordered = sorted(enumerate(items), key=lambda p: (p[1].registeredAt or "", p[0]))
    return ordered[-1][1]


def installation_id(text: str) -> str | None:
    """The installation ID in an E11 answer: a bare UUID (plain text or a JSON string), or the
    ``id`` / ``installationId`` key of an object (a ``data`` wrapper is removed first).

    Never any UUID found elsewhere in the body: a package ID or a translation-map entry would
    be taken for the installation. None sends the caller to the history (E8).
    """
    stripped = text.strip()
    if not stripped:
        return None
    try:
        parsed: Any = json.loads(stripped)
    except ValueError:
        parsed = stripped
    return _id_in(parsed)


def _id_in(value: Any) -> str | None:
    value = unwrap(value)
    if isinstance(value, str):
        match = UUID_PATTERN.fullmatch(value.strip())
        return match.group(0) if match else None
    if isinstance(value, dict):
        for key in ("installationId", "id"):
            found = value.get(key)
            if isinstance(found, str) and UUID_PATTERN.fullmatch(found.strip()):
                return found.strip()
    return None


def translation_map_body(mapping: TranslationMap) -> dict[str, Any]:
    """The wire form of a map for E11: entries as sent, results of a past run left out."""
    return {code: {source_id: entry.model_dump(exclude_none=True,
                                               exclude={"installationStatus"})
                   for source_id, entry in records.items()}
            for code, records in mapping.items()}


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}"
