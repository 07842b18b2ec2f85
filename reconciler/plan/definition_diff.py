"""What changed inside a package declared by value, record by record.

A `definition:` package is reviewed as data, so when its content changes the plan shows the
records added, removed and edited rather than only two digests. The served side is the
package's ``packageEntities`` (summaries: id, name, description, ...); only the fields the
declared record carries, and the served record also shows, are compared, so fields the
service adds or leaves out never appear as changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.plan.model import FieldDiff

_KEY = re.compile(r"\['((?:[^'\\]|\\.)*)'\]")
ID_KEYS = ("ID", "id")


def _records(entities: Mapping[str, Any] | None) -> dict[str, dict[str, dict[str, Any]]]:
    """objCode (upper case) -> record id (lower case) -> record without its id."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for code, records in (entities or {}).items():
        by_id = out.setdefault(str(code).upper(), {})
        for record in records if isinstance(records, list) else ():
            if not isinstance(record, dict):
                continue
            ident = next((record[k] for k in ID_KEYS if record.get(k)), None)
            if ident is not None:
                by_id[str(ident).strip().lower()] = {
                    k: v for k, v in record.items() if k not in ID_KEYS}
    return out


def _comparable(declared: dict[str, dict[str, dict[str, Any]]],
                served: dict[str, dict[str, dict[str, Any]]]
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides cut down to the fields that can be compared."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for code in sorted(set(declared) | set(served)):
        mine, theirs = declared.get(code, {}), served.get(code, {})
        if not mine:  # a sub-object code the service expanded on its own: not declared
            continue
        new[code] = mine
        old[code] = {}
        for ident, record in theirs.items():
            wanted = mine.get(ident)
            old[code][ident] = record if wanted is None else {
                k: v for k, v in record.items() if k in wanted}
        for ident, record in mine.items():
            if ident in theirs:
                new[code][ident] = {k: v for k, v in record.items() if k in theirs[ident]}
    return old, new


def _ids_only(side: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Records present on both sides compare equal; the others keep only their name."""
    return {code: {ident: {} if ident in other.get(code, {}) else
                   {k: v for k, v in record.items() if k == "name"}
                   for ident, record in records.items()}
            for code, records in side.items()}


def _path(deep_path: str) -> str:
    keys = _KEY.findall(deep_path)
    if len(keys) < 2:
        return "packageEntities." + ".".join(keys)
    code, ident, *rest = keys
    return f"packageEntities.{code}[{ident}]" + "".join(f".{k}" for k in rest)


def definition_diffs(declared: Mapping[str, Any] | None, served: Mapping[str, Any] | None,
                     *, compare_fields: bool = True) -> list[FieldDiff]:
    """Field diffs (old -> new) between the served records and the declared definition.

    Without ``compare_fields`` only records added or removed are shown: a profile that cannot
    write the definition (no PUT) assembles the records from the source environment, so their
    fields are the source's, not the declared ones.
    """
    if served is None or declared is None:
        return []
    from deepdiff import DeepDiff  # only needed when a definition actually changed

    old, new = _comparable(_records(declared), _records(served))
    if not compare_fields:
        old, new = _ids_only(old, new), _ids_only(new, old)
    # threshold 0: always descend, so disjoint record sets still show record by record
    result = DeepDiff(old, new, verbose_level=2, threshold_to_diff_deeper=0)
    diffs: list[FieldDiff] = []
    for path, value in result.get("dictionary_item_added", {}).items():
        diffs.append(FieldDiff(_path(path), None, value))
    for path, value in result.get("dictionary_item_removed", {}).items():
        diffs.append(FieldDiff(_path(path), value, None))
    for kind in ("values_changed", "type_changes"):
        for path, change in result.get(kind, {}).items():
            diffs.append(FieldDiff(_path(path), change.get("old_value"),
                                   change.get("new_value")))
    return sorted(diffs, key=lambda d: d.path)
