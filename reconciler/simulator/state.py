"""The simulator's data: environments with their records, packages and installations.

Everything here is plain data that round-trips through JSON; the rules live in
``core.py``. Statuses are stored with the current names; a profile renames them on the way out.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reconciler.atomic_write import write_atomic
from reconciler.simulator.seed import SourceRecord, seed_records

STATE_VERSION = 1
DEFAULT_ENVIRONMENTS: dict[str, str] = {
    "sandbox": "sandbox", "preview": "preview", "production": "production"}
# Where the simulator's new ids come from (packages, installations, created records, the
# customer and user): random by default; tests pass a counter for ids they can replay.
IdFactory = Callable[[], uuid.UUID]


@dataclass
class Environment:
    name: str
    kind: str  # sandbox | preview | production
    records: dict[str, SourceRecord] = field(default_factory=dict)

    def find(self, obj_code: str, name: str) -> SourceRecord | None:
        for record in self.records.values():
            if record.objCode == obj_code and record.name == name:
                return record
        return None


@dataclass
class Package:
    id: str
    name: str
    description: str
    source: str
    source_env: str
    status: str
    createdAt: str
    createdById: str
    customerId: str
    version: int = 1
    publishedAt: str | None = None
    retiredAt: str | None = None
    deletedAt: str | None = None
    # What assembly was asked for, and when it finishes (clock seconds).
    objectCollections: list[dict[str, Any]] = field(default_factory=list)
    ready_at: float | None = None
    failure: str | None = None
    # The assembled records, in package order (parents before children).
    records: list[SourceRecord] = field(default_factory=list)


@dataclass
class Installation:
    id: str
    packageId: str
    packageVersion: int
    environment: str        # env name
    environment_label: str  # host + prefix, as reported
    userId: str
    customerId: str
    status: str
    registeredAt: str
    updatedAt: str | None
    translationMap: dict[str, dict[str, dict[str, Any]]]
    done_at: float | None = None


@dataclass
class World:
    customerId: str
    userId: str
    environments: dict[str, Environment]
    packages: dict[str, Package] = field(default_factory=dict)
    installations: dict[str, Installation] = field(default_factory=dict)


def new_world(environments: dict[str, str] | None = None,
              ids: IdFactory = uuid.uuid4) -> World:
    envs = environments or DEFAULT_ENVIRONMENTS
    return World(
        customerId=ids().hex,
        userId=ids().hex,
        environments={name: Environment(name, kind, {r.ID: r for r in seed_records(name, kind)})
                      for name, kind in envs.items()})


def add_missing_environments(world: World, environments: dict[str, str]) -> None:
    """A state file made with fewer environments gains the new ones, freshly seeded."""
    for name, kind in environments.items():
        if name not in world.environments:
            world.environments[name] = Environment(
                name, kind, {r.ID: r for r in seed_records(name, kind)})


# --- JSON ------------------------------------------------------------------------------------


def world_to_json(world: World) -> dict[str, Any]:
    return {"version": STATE_VERSION, **asdict(world)}


def _records(items: list[dict[str, Any]]) -> list[SourceRecord]:
    return [SourceRecord(**item) for item in items]


def world_from_json(doc: dict[str, Any]) -> World:
    if doc.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported simulator state version {doc.get('version')!r}")
    envs = {
        name: Environment(env["name"], env["kind"],
                          {rid: SourceRecord(**rec) for rid, rec in env["records"].items()})
        for name, env in doc["environments"].items()}
    packages = {}
    for pid, raw in doc["packages"].items():
        pkg = Package(**{**raw, "records": []})
        pkg.records = _records(raw["records"])
        packages[pid] = pkg
    installs = {iid: Installation(**raw) for iid, raw in doc["installations"].items()}
    return World(doc["customerId"], doc["userId"], envs, packages, installs)


def save_world(world: World, path: str | os.PathLike[str]) -> None:
    write_atomic(path, json.dumps(world_to_json(world), separators=(",", ":")), durable=False)


def load_world(path: str | os.PathLike[str]) -> World | None:
    """The saved world, or None when there is no state file yet."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return world_from_json(json.loads(text))
