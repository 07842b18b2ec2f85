"""Translation maps: computing them against a target (pre-run) and applying them (install)."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.domain.objcodes import DOCUMENTED_UNIQUE_NAMES, may_repeat_names
from reconciler.simulator.behaviour import Behaviour
from reconciler.simulator.seed import SourceRecord
from reconciler.simulator.state import Environment, IdFactory

# Types the reference documents as refusing a second record of the same name (2.4, 3.3).
UNIQUE_NAME_TYPES = DOCUMENTED_UNIQUE_NAMES
# A parent whose children are created without a link to it (an ignored record the target
# holds: "dependants may fall back to defaults", reference 2.4).
FALLBACK = ""


def unique_names(code: str, behaviour: Behaviour) -> bool:
    """Whether ``code`` refuses a second record of the same name: groups (documented), or,
    under ``unique_names=unlisted``, every type 2.4 does not list as allowing duplicates."""
    if behaviour.unique_names == "unlisted":
        return not may_repeat_names(code)
    return code in UNIQUE_NAME_TYPES
INSTALLABLE_KINDS = {"TESTING": {"sandbox", "preview"},
                     "ACTIVE": {"sandbox", "preview", "production"}}

TranslationMap = dict[str, dict[str, dict[str, Any]]]


def install_refusal(status: str, kind: str) -> str | None:
    """Why a package in ``status`` cannot go into an environment of ``kind`` (None: it can)."""
    kinds = INSTALLABLE_KINDS.get(status)
    if kinds is None:
        return f"a package in status {status} cannot be installed anywhere"
    if kind not in kinds:
        return f"a package in status {status} cannot be installed into a {kind} environment"
    return None


def prepare_map(records: list[SourceRecord], target: Environment) -> TranslationMap:
    """CREATE when the target has no record of that type and name, else USEEXISTING."""
    out: TranslationMap = {}
    for record in records:
        match = target.find(record.objCode, record.name)
        out.setdefault(record.objCode, {})[record.ID] = {
            "name": record.name,
            "action": "USEEXISTING" if match else "CREATE",
            "isValid": True,
            "targetId": match.ID if match else "",
        }
    return out


def merge_map(records: list[SourceRecord], target: Environment,
              edited: dict[str, Any]) -> TranslationMap:
    """The automatic map with the caller's action/targetId choices laid over it.

    Entries the caller names that are not in the package are kept and fail at install time.
    """
    merged = prepare_map(records, target)
    for code, entries in edited.items():
        if not isinstance(entries, dict):
            continue
        for source_id, entry in entries.items():
            if not isinstance(entry, dict):
                continue
            base = merged.setdefault(code, {}).setdefault(
                source_id, {"name": str(entry.get("name") or ""), "action": "CREATE",
                            "isValid": False, "targetId": ""})
            if "action" in entry:
                base["action"] = str(entry["action"]).upper()
            if "targetId" in entry:
                base["targetId"] = str(entry["targetId"] or "")
    return merged


def apply_map(records: list[SourceRecord], target: Environment,
              tmap: TranslationMap, behaviour: Behaviour | None = None,
              fail: frozenset[str] = frozenset(), *, ids: IdFactory = uuid.uuid4) -> bool:
    """Carry out the map against ``target``; fill each entry's outcome. True when none failed.

    Parents are handled before children, so a child can point at its parent's new record.
    Under an OVERWRITING parent (reference section 2.5) children in both the package and the
    target are updated, children only in the package are created, and nothing is deleted.
    The IGNORE cascade is judged by each record's own parent link: a CREATE whose parent was
    ignored (and is not in the target) fails; the children of an ignored record the target
    holds fall back (2.4).
    """
    behaviour = behaviour or Behaviour()
    by_id = {r.ID: r for r in records}
    done: dict[str, str | None] = {}  # source ID -> target ID (None: unavailable)
    overwritten: set[str] = set()     # source IDs of records overwritten (or updated as children)
    ok = True
    for record in records:
        entry = tmap.get(record.objCode, {}).get(record.ID)
        if entry is None:
            continue
        if record.name in fail and str(entry.get("action", "")).upper() != "IGNORE":
            _fail(entry, f"simulated failure of {record.objCode} {record.name!r}")
            done[record.ID] = None
            ok = False
            continue
        update_child = (record.parentID in overwritten
                        and str(entry.get("action", "")).upper() == "USEEXISTING")
        if update_child and behaviour.overwritten_child == "OVERWRITING":
            entry = dict(entry, action="OVERWRITING")
            tmap[record.objCode][record.ID] = entry
        done[record.ID] = _apply_entry(record, entry, target, by_id, done, behaviour,
                                       overwrite=update_child, ids=ids)
        if ((update_child or str(entry.get("action", "")).upper() == "OVERWRITING")
                and entry.get("installationStatus") != "FAILED"):
            overwritten.add(record.ID)
        ok = ok and entry.get("installationStatus") != "FAILED"
    for code, entries in tmap.items():
        for source_id, entry in entries.items():
            if source_id not in by_id or by_id[source_id].objCode != code:
                _fail(entry, "this record is not part of the package")
                ok = False
    return ok


def _fail(entry: dict[str, Any], reason: str) -> None:
    entry["installationStatus"] = "FAILED"
    entry["failureReason"] = reason


def _apply_entry(record: SourceRecord, entry: dict[str, Any], target: Environment,
                 by_id: dict[str, SourceRecord], done: dict[str, str | None],
                 behaviour: Behaviour, *, overwrite: bool = False,
                 ids: IdFactory) -> str | None:
    action = str(entry.get("action", "")).upper()
    target_id = str(entry.get("targetId") or "")
    if action == "IGNORE":
        if behaviour.ignore_status != "none":
            entry["installationStatus"] = behaviour.ignore_status
        existing = target.find(record.objCode, record.name)
        if existing is None:
            return None
        return existing.ID if behaviour.ignored_existing_parent == "existing" else FALLBACK
    if action in ("USEEXISTING", "OVERWRITING"):
        found = target.records.get(target_id)
        if found is None or found.objCode != record.objCode:
            _fail(entry, f"target record {target_id or '(empty)'} not found in {target.name}")
            return None
        if action == "OVERWRITING" or overwrite:
            if (unique_names(record.objCode, behaviour) and found.name != record.name
                    and target.find(record.objCode, record.name)):
                _fail(entry, f"a {record.objCode} named {record.name!r} already exists in "
                             f"{target.name}; names of this type must be unique")
                return None
            found.name, found.description = record.name, record.description
            entry["installationStatus"] = "INSTALLED"
        else:
            entry["installationStatus"] = "REGISTERED"
        return found.ID
    if action in ("CREATE", "CREATEWITHALTNAME"):
        return _create(record, entry, target, by_id, done, behaviour, ids=ids)
    _fail(entry, f"unknown action {action!r}")
    return None


def _create(record: SourceRecord, entry: dict[str, Any], target: Environment,
            by_id: dict[str, SourceRecord], done: dict[str, str | None],
            behaviour: Behaviour, *, ids: IdFactory) -> str | None:
    parent_target: str | None = None
    if record.parentID and record.parentID in by_id:
        parent = by_id[record.parentID]
        parent_target = done.get(parent.ID)
        if parent_target is None:
            _fail(entry, f"parent {parent.objCode} {parent.name!r} is ignored or failed, "
                         "so this child cannot be created; ignore it too")
            return None
        parent_target = parent_target or None   # FALLBACK: created without the link
    if unique_names(record.objCode, behaviour) and target.find(record.objCode, record.name):
        _fail(entry, f"a {record.objCode} named {record.name!r} already exists in "
                     f"{target.name}; names of this type must be unique")
        return None
    new_id = ids().hex
    target.records[new_id] = SourceRecord(record.objCode, new_id, record.name,
                                          record.description, parent_target)
    entry["installationStatus"] = "INSTALLED"
    entry["targetId"] = new_id
    return new_id
