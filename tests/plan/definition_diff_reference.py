"""The hand-written ``plan/definition_diff.py`` that DeepDiff replaced, kept as the reference its
replacement is compared with (test_plan_diff_by_deepdiff.py).
Its own description:

What changed inside a package declared by value, record by record.

A `definition:` package is reviewed as data, so when its content changes the plan shows the
records added, removed and edited rather than only two digests. The served side is the
package's ``packageEntities`` (summaries: id, name, description, ...); only the fields the
declared record carries, and the served record also shows, are compared, so fields the
service adds or leaves out never appear as changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler.plan.model import DiffOp, FieldDiff

ID_KEYS = ("ID", "id")


def _records(entities: Mapping[str, Any] | None) -> dict[str, dict[str, dict[str, Any]]]:
    """objCode (upper case) -> record id (lower case) -> record without its id."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for code, records in (entities or {}).items():
        by_id = out.setdefault(str(code).upper(), {})
        for record in records if isinstance(records, list) else ():
            if not isinstance(record, dict):
                continue
            ident = _ident(record)
            if ident is not None:
                by_id[ident] = _without_id(record)
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


def _changed(old: Any, new: Any) -> bool:
    # JSON tells true from 1, so must we; 1 and 1.0 are the same number.
    return old != new or isinstance(old, bool) != isinstance(new, bool)


def _ident(item: Any) -> str | None:
    if isinstance(item, dict):
        value = next((item[k] for k in ID_KEYS if item.get(k)), None)
        return None if value is None else str(value).strip().lower()
    return None


def _without_id(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ID_KEYS}


def _walk(path: str, old: Any, new: Any, out: list[FieldDiff]) -> None:
    """Every difference between two JSON values, as field diffs under ``path``.

    Objects: keys added, removed, or walked into. Lists of records with an id: records
    matched by id, then added, removed or walked into (``path[id]``). Other lists: the items
    only one side holds, counted like a multiset (``path[index]`` on the side that holds
    it); the same items in another order is one change of the whole list. Anything else:
    a changed value (including a changed type).
    """
    if isinstance(old, dict) and isinstance(new, dict):
        _walk_keys(old, new, lambda key: f"{path}.{key}", out)
    elif isinstance(old, list) and isinstance(new, list):
        if old == new:
            return
        olds = [i for i in map(_ident, old) if i]
        news = [i for i in map(_ident, new) if i]
        if len(olds) == len(old) and len(news) == len(new) and len(set(olds)) == len(olds) \
                and len(set(news)) == len(news):
            before, after = dict(zip(olds, old, strict=True)), dict(zip(news, new, strict=True))
            for ident in set(before) & set(after):  # matched: "ID" and "id" are one key
                before[ident], after[ident] = _without_id(before[ident]), \
                    _without_id(after[ident])
            _walk_records(path, before, after, out)
            return
        _walk_items(path, old, new, out)
    elif _changed(old, new):
        out.append(FieldDiff(path, old, new, op=DiffOp.CHANGE))


def _walk_items(path: str, old: list[Any], new: list[Any], out: list[FieldDiff]) -> None:
    unmatched = list(new)
    removed = []
    for index, item in enumerate(old):
        match = next((i for i, other in enumerate(unmatched)
                      if not _changed(item, other) and type(item) is type(other)), None)
        if match is None:
            removed.append((index, item))
        else:
            unmatched[match] = _TAKEN
    added = [(i, item) for i, item in enumerate(unmatched) if item is not _TAKEN]
    for index, item in removed:
        out.append(FieldDiff(f"{path}[{index}]", item, None, op=DiffOp.REMOVE))
    for index, item in added:
        out.append(FieldDiff(f"{path}[{index}]", None, item, op=DiffOp.ADD))
    if not removed and not added:  # the same items, in another order
        out.append(FieldDiff(path, old, new, op=DiffOp.CHANGE))


_TAKEN = object()


def _walk_records(path: str, old: Mapping[str, Any], new: Mapping[str, Any],
                  out: list[FieldDiff]) -> None:
    _walk_keys(old, new, lambda ident: f"{path}[{ident}]", out)


def _walk_keys(old: Mapping[Any, Any], new: Mapping[Any, Any], where: Callable[[Any], str],
               out: list[FieldDiff]) -> None:
    """Keys (object keys, or record ids) added, removed, or walked into, in key order."""
    for key in sorted(set(old) | set(new), key=str):
        if key not in old:
            out.append(FieldDiff(where(key), None, new[key], op=DiffOp.ADD))
        elif key not in new:
            out.append(FieldDiff(where(key), old[key], None, op=DiffOp.REMOVE))
        else:
            _walk(where(key), old[key], new[key], out)


def definition_diffs(declared: Mapping[str, Any] | None, served: Mapping[str, Any] | None,
                     *, compare_fields: bool = True) -> list[FieldDiff]:
    """Field diffs (old -> new) between the served records and the declared definition.

    Without ``compare_fields`` only records added or removed are shown: a profile that cannot
    write the definition (no PUT) assembles the records from the source environment, so their
    fields are the source's, not the declared ones.
    """
    if served is None or declared is None:
        return []
    old, new = _comparable(_records(declared), _records(served))
    if not compare_fields:
        old, new = _ids_only(old, new), _ids_only(new, old)
    diffs: list[FieldDiff] = []
    for code in sorted(set(old) | set(new)):
        _walk_records(f"packageEntities.{code}", old.get(code, {}), new.get(code, {}), diffs)
    return sorted(diffs, key=lambda d: d.path)
