"""The translation map an install sends: the pre-run's map with ``existing`` and the
overrides applied, checked before any install request.

Rules (reference sections 2.4, 2.5 and 5.10-5.12):

* ``existing: overwrite`` turns every USEEXISTING of the pre-run into OVERWRITING; the
  overrides are laid over that and win.
* An override naming a source ID the pre-run did not list is an error.
* ``targetId`` is the pre-run's matched record for USEEXISTING and OVERWRITING, ``""``
  otherwise. USEEXISTING or OVERWRITING on a record the pre-run matched to nothing is an
  error: there is no target record to use or overwrite.
* The IGNORE cascade (sections 2.4, 3.3): a record the pre-run would CREATE that is ignored
  needs *its own* children ignored too, or the install fails. Children are known from the
  package's own records (``parentID`` links in ``packageEntities``, see ``parent_links``);
  only when the service reports no links at all does the rule fall back to objCodes
  (``domain.objcodes.CHILD_CODES``: every record of a child objCode counts). An ignored record
  the pre-run matched (USEEXISTING) needs nothing: its dependants fall back to defaults.
* A record the pre-run matched (USEEXISTING) switched to CREATE, on a type whose names must be
  unique in the target (``domain.objcodes.may_repeat_names``: groups, and conservatively every
  type the docs do not list as allowing duplicates), is refused: the install would fail on the
  duplicate name (sections 2.4, 3.3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.domain.objcodes import CHILD_CODES, may_repeat_names
from reconciler.domain.remote import TranslationMap
from reconciler.errors import Location, WfpromoteError

MATCHED_ACTIONS = frozenset({"USEEXISTING", "OVERWRITING"})


class MapRefused(WfpromoteError):
    """The declared install cannot be turned into a valid translation map."""


@dataclass(frozen=True)
class EditedMap:
    translation_map: TranslationMap
    changed: bool                      # differs from the pre-run's: needs the edited-map flow


def label(code: str, source_id: str, name: str) -> str:
    return f"{code} {name or source_id}"


def _where(origin: str | None) -> Location | None:
    if not origin:
        return None
    file, _, line = origin.rpartition(":")
    return Location(file, int(line)) if file and line.isdigit() else Location(origin)


# source ID -> the source ID of its parent record (None: a top-level record)
ParentLinks = Mapping[str, str | None]
_PARENT_KEYS = ("parentID", "parentId", "parent_id")


def parent_links(entities: Mapping[str, Sequence[Mapping[str, Any]]] | None
                 ) -> ParentLinks | None:
    """The parent of every record of a package, from its ``packageEntities`` (or an R1
    definition); None when no record carries a parent key (the service did not say)."""
    links: dict[str, str | None] = {}
    said = False
    for records in (entities or {}).values():
        for record in records:
            ident = record.get("id") or record.get("ID")
            if not ident:
                continue
            key = next((k for k in _PARENT_KEYS if k in record), None)
            said = said or key is not None
            parent = record.get(key) if key else None
            links[str(ident).lower()] = str(parent).lower() if parent else None
    return links if said else None


def ignores_a_created_record(prerun: TranslationMap,
                             overrides: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether the overrides ignore a record the pre-run would create: only then does the
    cascade check need the package's parent links (one read of the package)."""
    return any(str(action).upper() == "IGNORE"
               and (before := prerun.get(code, {}).get(sid)) is not None
               and before.action.upper() == "CREATE"
               for code, records in overrides.items() for sid, action in records.items())


def edit_map(prerun: TranslationMap, *, existing: str,
             overrides: Mapping[str, Mapping[str, str]], environment: str,
             origin: str | None = None, parents: ParentLinks | None = None) -> EditedMap:
    """The map to install (see the module text); raises MapRefused naming the problem.

    ``parents`` are the package's parent links (``parent_links``); without them the IGNORE
    cascade is judged by objCode, which may ask for more than the service needs."""
    where = _where(origin)
    unknown = [f"{code} {sid}" for code, records in overrides.items() for sid in records
               if sid not in prerun.get(code, {})]
    if unknown:
        raise MapRefused(
            f"install into {environment!r}: override(s) name source IDs the pre-run did not "
            f"list: {', '.join(sorted(unknown))}", location=where,
            hint="an override names a record of the package by objCode and source ID; see "
                 "`wfpromote plan --prerun` for the records of the map")
    out: TranslationMap = {}
    changed = False
    unmatched: list[str] = []
    duplicates: list[str] = []
    for code, records in prerun.items():
        out[code] = {}
        for sid, entry in records.items():
            action = entry.action.upper()
            if existing == "overwrite" and action == "USEEXISTING":
                action = "OVERWRITING"
            action = str(overrides.get(code, {}).get(sid, action)).upper()
            target = entry.targetId if action in MATCHED_ACTIONS else ""
            if action in MATCHED_ACTIONS and not entry.targetId:
                unmatched.append(f"{label(code, sid, entry.name)} ({action})")
            if (action == "CREATE" and entry.action.upper() == "USEEXISTING"
                    and not may_repeat_names(code)):
                duplicates.append(label(code, sid, entry.name))
            if action != entry.action.upper() or target != entry.targetId:
                changed = True
            out[code][sid] = entry.model_copy(update={"action": action, "targetId": target})
    if unmatched:
        raise MapRefused(
            f"install into {environment!r}: the pre-run matched nothing in the target for "
            f"{', '.join(unmatched)}", location=where,
            hint="USEEXISTING and OVERWRITING need a record the pre-run found in the target; "
                 "use CREATE (or drop the override, or `existing: use`)")
    if duplicates:
        raise MapRefused(
            f"install into {environment!r}: CREATE of record(s) the target already holds, "
            f"whose names must be unique there: {', '.join(duplicates)}; the install would "
            "fail on the duplicate name", location=where,
            hint="names of groups (and of every type the docs do not say may repeat a name) "
                 "are unique in an environment; keep USEEXISTING (drop the CREATE override) "
                 "or OVERWRITING, or rename the record in the source")
    orphans = ignored_children(prerun, out, parents)
    if orphans:
        how = ("its own records (parent links)" if parents is not None else
               "objCode, as the service reported no parent links")
        raise MapRefused(
            f"install into {environment!r}: ignored record(s) the pre-run would create have "
            f"children that are not ignored: {'; '.join(orphans)}", location=where,
            hint=f"ignore those children too (overrides: CODE: {{ID: IGNORE}}), or do not "
                 f"ignore the parent (children judged by {how})")
    return EditedMap(out, changed)


def ignored_children(prerun: TranslationMap, edited: TranslationMap,
                     parents: ParentLinks | None = None) -> list[str]:
    """For each created-then-ignored parent, its children that are not ignored (empty: the
    cascade holds). Children are the records whose parent link names the parent; without
    links, every record of the parent's child objCodes."""
    children_of: dict[str, list[tuple[str, str]]] = {}
    if parents is not None:
        codes = {sid.lower(): (code, sid) for code, records in edited.items() for sid in records}
        for sid, parent in parents.items():
            if parent is not None and sid.lower() in codes:
                children_of.setdefault(parent.lower(), []).append(codes[sid.lower()])
    problems = []
    for code, records in edited.items():
        for sid, entry in records.items():
            before = prerun.get(code, {}).get(sid)
            if entry.action != "IGNORE" or before is None or before.action.upper() != "CREATE":
                continue
            if parents is not None:
                kids = children_of.get(sid.lower(), [])
            else:
                kids = [(child, csid) for child in CHILD_CODES.get(code, ())
                        for csid in edited.get(child, {})]
            left = [label(child, csid, edited[child][csid].name) for child, csid in kids
                    if edited[child][csid].action != "IGNORE"]
            if left:
                problems.append(f"{label(code, sid, entry.name)} -> {', '.join(left)}")
    return problems


def records_by_action(tmap: TranslationMap) -> dict[str, tuple[str, ...]]:
    """Action -> record labels, for the pre-run preview and the report."""
    out: dict[str, list[str]] = {}
    for code, records in sorted(tmap.items()):
        for sid, entry in records.items():
            out.setdefault(entry.action or "?", []).append(label(code, sid, entry.name))
    return {k: tuple(v) for k, v in out.items()}
