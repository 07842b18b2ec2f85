"""The translation map an install sends: the pre-run's map with ``existing`` and the
overrides applied, checked before any install request.

Rules (reference sections 2.4, 2.5 and 5.10-5.12):

* ``existing: overwrite`` turns every USEEXISTING of the pre-run into OVERWRITING; the
  overrides are laid over that and win.
* An override naming a source ID the pre-run did not list is an error.
* ``targetId`` is the pre-run's matched record for USEEXISTING and OVERWRITING, ``""``
  otherwise. USEEXISTING or OVERWRITING on a record the pre-run matched to nothing is an
  error: there is no target record to use or overwrite.
* The IGNORE cascade: a record the pre-run would CREATE that is ignored needs every record of
  its child objCodes (``domain.objcodes.CHILD_CODES``) ignored too, or the install fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.domain.objcodes import CHILD_CODES
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


def edit_map(prerun: TranslationMap, *, existing: str,
             overrides: Mapping[str, Mapping[str, str]], environment: str,
             origin: str | None = None) -> EditedMap:
    """The map to install (see the module text); raises MapRefused naming the problem."""
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
            if action != entry.action.upper() or target != entry.targetId:
                changed = True
            out[code][sid] = entry.model_copy(update={"action": action, "targetId": target})
    if unmatched:
        raise MapRefused(
            f"install into {environment!r}: the pre-run matched nothing in the target for "
            f"{', '.join(unmatched)}", location=where,
            hint="USEEXISTING and OVERWRITING need a record the pre-run found in the target; "
                 "use CREATE (or drop the override, or `existing: use`)")
    orphans = ignored_children(prerun, out)
    if orphans:
        raise MapRefused(
            f"install into {environment!r}: ignored record(s) the pre-run would create have "
            f"children that are not ignored: {'; '.join(orphans)}", location=where,
            hint="ignore every record of the child objCodes too (overrides: CODE: {ID: "
                 "IGNORE}), or do not ignore the parent")
    return EditedMap(out, changed)


def ignored_children(prerun: TranslationMap, edited: TranslationMap) -> list[str]:
    """For each created-then-ignored parent, the records of its child objCodes that are not
    ignored (empty: the cascade holds)."""
    problems = []
    for code, records in edited.items():
        children = CHILD_CODES.get(code, ())
        for sid, entry in records.items():
            before = prerun.get(code, {}).get(sid)
            if entry.action != "IGNORE" or before is None or before.action.upper() != "CREATE":
                continue
            left = [label(child, csid, centry.name) for child in children
                    for csid, centry in edited.get(child, {}).items()
                    if centry.action != "IGNORE"]
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
