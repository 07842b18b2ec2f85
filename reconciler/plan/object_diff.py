"""Which top-level objects a changed package gains and loses, by objCode, ID and name.

The declared side is the package's ``objectCollections``; the served side is the remote
package's ``packageEntities``, which also lists every sub-object the service pulled in
(template tasks, a dashboard's reports). A served object counts as one the package names
unless its objCode is one that an object present in the package may include as a
sub-object: the summaries carry no parent, so such an object could be either, and it is
left out rather than reported as removed when it merely came with its parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.domain.objcodes import PROMOTABLE, SUB_OBJECT_CODES
from reconciler.plan.model import DiffOp, FieldDiff

Objects = dict[str, dict[str, str | None]]  # objCode -> lower-case ID -> name


def declared_objects(spec: PackageSpec) -> Objects:
    out: Objects = {}
    for collection in spec.objectCollections or ():
        for entity in collection.entities:
            out.setdefault(collection.objCode.upper(), {})[entity.ID.lower()] = entity.name
    return out


def served_objects(entities: Mapping[str, Any] | None) -> Objects:
    """Every record of a ``packageEntities`` map, by objCode (sub-objects included)."""
    out: Objects = {}
    for code, records in (entities or {}).items():
        by_id = out.setdefault(str(code).upper(), {})
        for record in records if isinstance(records, list) else ():
            if not isinstance(record, dict):
                continue
            ident = record.get("ID", record.get("id"))
            if ident:
                name = record.get("name")
                by_id[str(ident).strip().lower()] = name if isinstance(name, str) else None
    return out


def top_level(served: Objects, declared: Objects | None = None) -> Objects:
    """The served objects a package names: promotable codes, without those that an object
    present (declared, or served under another code) may have pulled in as sub-objects."""
    present = {c for c, ids in served.items() if ids and c in PROMOTABLE}
    present |= set(declared or {})
    out: Objects = {}
    for code, ids in served.items():
        if code not in PROMOTABLE:
            continue
        parents = {p for p in present if p != code and code in SUB_OBJECT_CODES.get(p, ())}
        if parents:
            ids = {i: n for i, n in ids.items() if i in (declared or {}).get(code, {})}
        if ids:
            out[code] = dict(ids)
    return out


def object_diffs(spec: PackageSpec, entities: Mapping[str, Any] | None) -> list[FieldDiff]:
    """``objects.CODE[id]`` added (declared, not held) and removed (held, not declared).

    Empty when the remote package's entities are unknown (not fetched) or the package is
    declared by value (its definition diff shows records in and out). The two sides are
    compared by DeepDiff (imported only here, when a changed package is planned); a name that
    differs is not a change of the package's objects.
    """
    if entities is None or spec.objectCollections is None:
        return []
    from deepdiff import DeepDiff

    declared = declared_objects(spec)
    served = served_objects(entities)
    # (DeepDiff keeps its tree whatever view it is asked for.)
    tree = DeepDiff(top_level(served, declared), declared, threshold_to_diff_deeper=0).tree
    out: list[FieldDiff] = []
    for level in tree.get("dictionary_item_added", ()):
        # a declared object the service holds (as a sub-object too) is not added
        out += _objects(level, level.t2, DiffOp.ADD, held=served)
    for level in tree.get("dictionary_item_removed", ()):
        out += _objects(level, level.t1, DiffOp.REMOVE)
    return sorted(out, key=lambda d: (d.op is DiffOp.ADD, d.path))


def _objects(level: Any, value: Any, op: DiffOp, held: Objects | None = None
             ) -> list[FieldDiff]:
    """The objects one reported key stands for (one object, or every object of an objCode),
    but those in ``held``."""
    keys = level.path(output_format="list")  # mapping keys: the same on either side
    found = value.items() if len(keys) == 1 else [(keys[1], value)]
    added = op is DiffOp.ADD
    return [FieldDiff(f"objects.{keys[0]}[{ident}]", None if added else name,
                      name if added else None, op=op)
            for ident, name in found if ident not in (held or {}).get(keys[0], {})]
