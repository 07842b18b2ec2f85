"""Checking package bodies and expanding requested objects into their sub-objects."""

from __future__ import annotations

from typing import Any

from reconciler.domain.objcodes import PROMOTABLE
from reconciler.simulator.errors import SimError
from reconciler.simulator.seed import SourceRecord
from reconciler.simulator.state import Environment


def check_collections(value: Any) -> list[dict[str, Any]]:
    """Validate ``objectCollections``; returns a normalised copy ({objCode, entities:[{ID}]})."""
    if not isinstance(value, list) or not value:
        raise SimError(400, "objectCollections must be a non-empty array")
    out: list[dict[str, Any]] = []
    for index, collection in enumerate(value):
        where = f"objectCollections[{index}]"
        if not isinstance(collection, dict):
            raise SimError(400, f"{where} must be an object")
        code = collection.get("objCode")
        if not isinstance(code, str) or code not in PROMOTABLE:
            raise SimError(400, f"{where}.objCode {code!r} is not a promotable object code")
        entities = collection.get("entities")
        if not isinstance(entities, list) or not entities:
            raise SimError(400, f"{where}.entities must be a non-empty array")
        checked = []
        for pos, entity in enumerate(entities):
            ident = entity.get("ID") if isinstance(entity, dict) else None
            if not isinstance(ident, str) or not ident.strip():
                raise SimError(400, f"{where}.entities[{pos}] has no ID")
            item: dict[str, Any] = {"ID": ident}
            if isinstance(entity.get("name"), str):
                item["name"] = entity["name"]
            checked.append(item)
        out.append({"objCode": code, "entities": checked})
    return out


def expand(env: Environment, collections: list[dict[str, Any]]) -> list[SourceRecord]:
    """The requested records plus all their descendants, parents first, without repeats.

    Raises ``LookupError`` naming the first ID the source environment does not have (or has
    under another objCode): the package then ends ASSEMBLING_FAILED.
    """
    children: dict[str, list[SourceRecord]] = {}
    for record in env.records.values():
        if record.parentID:
            children.setdefault(record.parentID, []).append(record)
    seen: set[str] = set()
    out: list[SourceRecord] = []

    def walk(record: SourceRecord) -> None:
        if record.ID in seen:
            return
        seen.add(record.ID)
        out.append(record)
        for child in children.get(record.ID, []):
            walk(child)

    for collection in collections:
        for entity in collection["entities"]:
            ident = entity["ID"].lower()
            found = env.records.get(ident)
            if found is None or found.objCode != collection["objCode"]:
                raise LookupError(
                    f"{collection['objCode']} {entity['ID']} does not exist in {env.name}")
            walk(found)
    return out


def entities_map(records: list[SourceRecord], *,
                 parents: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The ``packageEntities`` summary: objCode -> [{id, name, description}], plus each
    record's ``parentID`` when ``parents`` (the reference shows "{id, name, description, ...}"
    and R1 records carry ``parentID``)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        item: dict[str, Any] = {"id": record.ID, "name": record.name,
                                "description": record.description}
        if parents:
            item["parentID"] = record.parentID
        out.setdefault(record.objCode, []).append(item)
    return out


def records_from_entities(value: Any) -> list[SourceRecord]:
    """The records of a ``packageEntities`` map sent with PUT (2023 profile)."""
    if not isinstance(value, dict):
        raise SimError(400, "packageEntities must be an object of objCode -> array")
    out: list[SourceRecord] = []
    for code, items in value.items():
        if not isinstance(items, list):
            raise SimError(400, f"packageEntities.{code} must be an array")
        for pos, item in enumerate(items):
            ident = item.get("id") or item.get("ID") if isinstance(item, dict) else None
            if not isinstance(ident, str) or not ident:
                raise SimError(400, f"packageEntities.{code}[{pos}] has no id")
            out.append(SourceRecord(code, ident, str(item.get("name") or ""),
                                    str(item.get("description") or ""),
                                    item.get("parentID") or item.get("parentId")))
    return out
