"""What changed inside a package declared by value, record by record.

A `definition:` package is reviewed as data, so when its content changes the plan shows the
records added, removed and edited rather than only two digests. The served side is the
package's ``packageEntities`` (summaries: id, name, description, ...); only the fields the
declared record carries, and the served record also shows, are compared, so fields the
service adds or leaves out never appear as changes.

The comparison itself is DeepDiff's (imported only when a changed package is planned):
records keyed by objCode and id, fields one side lacks excluded by path, lists of records
inside a record paired by id (``iterable_compare_func``), lists of plain values compared as
multisets (``ignore_order``, repetitions counted), and a custom operator for what DeepDiff's
hashes cannot tell (a list reordered; items that hold lists, whose inner order its
``ignore_order`` hashes ignore). What it reports is turned into field diffs:

- objects: keys added, removed, or changed;
- lists of records with an id: records matched by id, then added, removed or changed
  (``path[id]``);
- other lists: the items only one side holds (``path[index]`` on the side that holds it);
  the same items in another order is one change of the whole list;
- anything else: a changed value, including a changed type (``1`` and ``true`` differ, as in
  JSON; ``1`` and ``1.0`` are the same number).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.plan.model import DiffOp, FieldDiff

ID_KEYS = ("ID", "id")
Records = dict[str, dict[str, dict[str, Any]]]  # objCode -> record id -> record without id


def _records(entities: Mapping[str, Any] | None) -> Records:
    """objCode (upper case) -> record id (lower case) -> record without its id."""
    out: Records = {}
    for code, records in (entities or {}).items():
        by_id = out.setdefault(str(code).upper(), {})
        for record in records if isinstance(records, list) else ():
            if not isinstance(record, dict):
                continue
            ident = _ident(record)
            if ident is not None:
                by_id[ident] = _without_id(record)
    return out


def _sides(declared: Records, served: Records) -> tuple[Records, Records, list[str]]:
    """(served, declared) cut down to the declared objCodes, and the paths of the fields of a
    record on both sides that only one side has (excluded from the comparison)."""
    old: Records = {}
    new: Records = {}
    excluded: list[str] = []
    for code, mine in declared.items():
        if not mine:  # a sub-object code the service expanded on its own: not declared
            continue
        theirs = served.get(code, {})
        new[code], old[code] = mine, theirs
        for ident in mine.keys() & theirs.keys():
            excluded += (_path_of(code, ident, field)
                         for field in mine[ident].keys() ^ theirs[ident].keys())
    return old, new, excluded


def _ids_only(side: Records, other: Records) -> Records:
    """Records present on both sides compare equal; the others keep only their name."""
    return {code: {ident: {} if ident in other.get(code, {}) else
                   {k: v for k, v in record.items() if k == "name"}
                   for ident, record in records.items()}
            for code, records in side.items()}


def _ident(item: Any) -> str | None:
    if isinstance(item, dict):
        value = next((item[k] for k in ID_KEYS if item.get(k)), None)
        return None if value is None else str(value).strip().lower()
    return None


def _without_id(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ID_KEYS}


def _record_list(items: Any) -> bool:
    """A list whose items all are records with an id, no id twice."""
    if not isinstance(items, list):
        return False
    idents = [_ident(item) for item in items]
    return all(idents) and len(set(idents)) == len(idents)


def _path_of(*keys: str) -> str:
    """DeepDiff's path of ``root[code][ident][field]``."""
    from deepdiff.path import GET, stringify_path

    return str(stringify_path([(key, GET) for key in keys], root_element=("root", GET)))


def definition_diffs(declared: Mapping[str, Any] | None, served: Mapping[str, Any] | None,
                     *, compare_fields: bool = True) -> list[FieldDiff]:
    """Field diffs (old -> new) between the served records and the declared definition.

    Without ``compare_fields`` only records added or removed are shown: a profile that cannot
    write the definition (no PUT) assembles the records from the source environment, so their
    fields are the source's, not the declared ones.
    """
    if served is None or declared is None:
        return []
    old, new, excluded = _sides(_records(declared), _records(served))
    if not compare_fields:
        old, new, excluded = _ids_only(old, new), _ids_only(new, old), []
    return sorted(_compare(old, new, excluded),
                  key=lambda d: (d.path, d.op is not DiffOp.REMOVE))


def _compare(old: Records, new: Records, excluded: list[str]) -> list[FieldDiff]:
    from deepdiff import DeepDiff
    from deepdiff.helper import CannotCompare, notpresent
    from deepdiff.model import SubscriptableIterableRelationship
    from deepdiff.operator import BaseOperator

    def pair_by_id(x: Any, y: Any, level: Any = None) -> bool:
        if _ident(x) is None or _ident(y) is None:
            raise CannotCompare() from None
        return _ident(x) == _ident(y)

    class PlainLists(BaseOperator):
        """Lists that are not lists of records. The same items in another order are one
        change of the whole list. Items holding lists are matched here, each to an equal
        item of the other side: DeepDiff's hashes (``ignore_order``) do not see the order
        inside them. Lists of plain values are left to DeepDiff's ``ignore_order``."""

        def match(self, level: Any) -> bool:
            return isinstance(level.t1, list) and isinstance(level.t2, list) and \
                not (_record_list(level.t1) and _record_list(level.t2))

        def give_up_diffing(self, level: Any, diff_instance: Any) -> bool:
            hashes1, hashes2 = _hashes(level.t1), _hashes(level.t2)
            if hashes1 == hashes2:
                return True  # equal lists (1.0 is 1)
            # An item is matched only by one of its own type (1 and 1.0 are two items).
            hashes1 = [f"{type(x).__name__}:{h}" for x, h in zip(level.t1, hashes1, strict=True)]
            hashes2 = [f"{type(x).__name__}:{h}" for x, h in zip(level.t2, hashes2, strict=True)]
            if sorted(hashes1) == sorted(hashes2):
                diff_instance.custom_report_result("reordered", level)
                return True
            if not any(isinstance(item, (list, dict)) for item in (*level.t1, *level.t2)):
                return False  # plain values: DeepDiff finds the items one side holds
            unmatched = dict(enumerate(hashes2))
            for index, hashed in enumerate(hashes1):
                match = next((j for j, other in unmatched.items() if other == hashed), None)
                if match is None:
                    removed = level.branch_deeper(level.t1[index], notpresent,
                                                  SubscriptableIterableRelationship, index)
                    diff_instance.custom_report_result("iterable_item_removed", removed)
                else:
                    del unmatched[match]
            for index in unmatched:
                added = level.branch_deeper(notpresent, level.t2[index],
                                            SubscriptableIterableRelationship, index, index)
                diff_instance.custom_report_result("iterable_item_added", added)
            return True

        def normalize_value_for_hashing(self, parent: Any, obj: Any) -> Any:
            return obj  # (normalising 1.0 to 1 here loses items: a DeepDiff bug)

    diff = DeepDiff(
        old, new, view="tree", exclude_paths=excluded, report_repetition=True,
        ignore_order_func=lambda level: not (_record_list(level.t1) and
                                             _record_list(level.t2)),
        iterable_compare_func=pair_by_id, cutoff_intersection_for_pairs=0,
        custom_operators=[PlainLists()], threshold_to_diff_deeper=0)
    out: list[FieldDiff] = []
    for report, levels in diff.tree.items():
        for level in levels:
            out += _field_diffs(report, level)
    return out


def _number(value: Any) -> Any:
    """A whole float as the integer it equals, for matching list items (1.0 is 1)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _hashes(items: list[Any]) -> list[str]:
    """DeepHash's hash of each item, the order and repeats inside them counted, whole floats as
    integers."""
    from deepdiff import DeepHash

    normal = [_numbers(item) for item in items]
    hashed = DeepHash(normal, ignore_iterable_order=False, ignore_repetition=False)
    return [hashed[item] for item in normal]


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return _number(value)


def _field_diffs(report: str, level: Any) -> list[FieldDiff]:
    """One reported difference as field diffs (none for one DeepDiff makes but JSON lacks)."""
    if report in ("dictionary_item_added", "iterable_item_added"):
        return [] if _is_paired_id(level) else [
            FieldDiff(_where(level, t2=True), None, level.t2, op=DiffOp.ADD)]
    if report in ("dictionary_item_removed", "iterable_item_removed"):
        return [] if _is_paired_id(level) else [
            FieldDiff(_where(level), level.t1, None, op=DiffOp.REMOVE)]
    if report in ("values_changed", "type_changes", "reordered"):
        if _is_paired_id(level) or _same_number(level.t1, level.t2):
            return []
        return [FieldDiff(_where(level), level.t1, level.t2, op=DiffOp.CHANGE)]
    if report == "repetition_change":  # an item repeated more (or fewer) times
        repeat = level.additional["repetition"]
        parent, value = _where(level.up), level.t1
        return [*(FieldDiff(f"{parent}[{i}]", value, None, op=DiffOp.REMOVE)
                  for i in repeat["old_indexes"][repeat["new_repeat"]:]),
                *(FieldDiff(f"{parent}[{i}]", None, value, op=DiffOp.ADD)
                  for i in repeat["new_indexes"][repeat["old_repeat"]:])]
    return []  # iterable_item_moved: a record found at another place in its list


def _same_number(old: Any, new: Any) -> bool:
    """1 and 1.0 are one number; true is not 1."""
    numbers = (int, float)
    return isinstance(old, numbers) and isinstance(new, numbers) and \
        not isinstance(old, bool) and not isinstance(new, bool) and old == new


def _is_paired_id(level: Any) -> bool:
    """The id key of a record matched by id ("ID" on one side, "id" on the other)."""
    parent = level.up
    key = (parent.t1_child_rel or parent.t2_child_rel).param
    grand = parent.up
    return key in ID_KEYS and grand is not None and isinstance(grand.t1, list) and \
        _record_list(grand.t1) and _record_list(grand.t2)


def _where(level: Any, *, t2: bool = False) -> str:
    """``packageEntities.CODE[id].field[index]...``: the path of a level in plan words."""
    chain = []
    while level.up is not None:
        chain.append(level)
        level = level.up
    text = "packageEntities"
    for depth, step in enumerate(reversed(chain)):
        parent = step.up
        rel = (parent.t2_child_rel if t2 else parent.t1_child_rel) or \
            parent.t1_child_rel or parent.t2_child_rel
        key = rel.param
        if depth == 0:
            text += f".{key}"
        elif depth == 1:
            text += f"[{key}]"
        elif isinstance(parent.t1, list) and _record_list(parent.t1) and \
                _record_list(parent.t2):
            item = step.t2 if t2 or _absent(step.t1) else step.t1
            text += f"[{_ident(item)}]"
        elif isinstance(parent.t1 if not t2 else parent.t2, list):
            text += f"[{key}]"
        else:
            text += f".{key}"
    return text


def _absent(value: Any) -> bool:
    from deepdiff.helper import notpresent

    return value is notpresent
