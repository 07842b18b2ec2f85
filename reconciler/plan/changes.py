"""What each kind of action changes, as its own typed, immutable value.

An :class:`~reconciler.plan.model.Action` says which package and why; its ``change`` is one of
the values below and says what is done: :class:`Create`, :class:`Update`, :class:`Replace`,
:class:`Rollback`, :class:`Disable`, :class:`Delete`, :class:`Install` or :class:`NoOp`. The
apply engine dispatches on the type; renderers and the saved-plan document read the fields.

In the saved plan (``schemas/plan.schema.json``) each value is written as the action's
``before`` and ``after`` objects and a few keys of the action itself (``strategy``,
``environment``, ``desired_status``, ``successor_id``, ``blocked``, and for a rollback
``earlier`` and ``fallback``), the layout of format 1.4 (1.6 added the rollback);
:func:`change_from_data` reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from reconciler.plan.values import FrozenMap, freeze, thaw

DISABLED = {"status": "DISABLED"}


class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    ROLLBACK = "rollback"
    DISABLE = "disable"
    DELETE = "delete"
    INSTALL = "install"
    NOOP = "no-op"


class ReplaceStrategy(StrEnum):
    PUT = "put"                                      # PUT /packages/{id} (profile 2023)
    CREATE_THEN_DISABLE = "create_then_disable"      # new package, wait, then disable old


@dataclass(frozen=True)
class RemoteState:
    """A remote package as the plan compared it (``before``): the description without the
    marker, the status as reported (the apply engine waits on ASSEMBLING)."""

    id: str
    name: str
    description: str = ""
    status: str | None = None
    source: str | None = None

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name,
                               "description": self.description, "status": self.status}
        if self.source:
            out["source"] = self.source
        return out

    @property
    def status_upper(self) -> str:
        return (self.status or "").upper()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RemoteState:
        return cls(id=data["id"], name=data["name"], description=data["description"],
                   status=data["status"], source=data.get("source"))


@dataclass(frozen=True)
class PackageBody:
    """A package as a create or a replace sends it: the declared fields (the description
    with our marker, the source environment's URL) and the content, as ``objectCollections``
    by reference and/or ``packageEntities`` (a definition, written with PUT)."""

    name: str
    description: str
    source: str
    status: str = "DRAFT"                          # the declared status
    collections: tuple[Any, ...] | None = None     # objectCollections (frozen)
    definition: Mapping[str, Any] | None = None    # packageEntities (frozen)

    def __post_init__(self) -> None:
        if self.collections is not None:
            object.__setattr__(self, "collections", freeze(tuple(self.collections)))
        if self.definition is not None and not isinstance(self.definition, FrozenMap):
            object.__setattr__(self, "definition", FrozenMap(self.definition))

    @property
    def desired_status(self) -> str | None:
        """The status PATCHed once a new package has assembled (None: it stays DRAFT)."""
        return None if self.status == "DRAFT" else self.status

    def post(self) -> dict[str, Any]:
        """The POST /packages body."""
        return {"name": self.name, "description": self.description, "source": self.source,
                "objectCollections": thaw(self.collections or ())}

    def reassemble(self) -> dict[str, Any]:
        """The PATCH that re-assembles content by reference (profiles without a full PUT)."""
        return self.post()

    def put(self, *, version: object, status: str) -> dict[str, Any]:
        """The PUT /packages/{id} body (R2): a full replacement, so every editable field the
        reference lists is sent, with the package's current ``version``."""
        out: dict[str, Any] = {"name": self.name, "description": self.description,
                               "source": self.source, "status": status}
        if self.definition is not None:
            out["packageEntities"] = thaw(self.definition)
        else:
            out["objectCollections"] = thaw(self.collections or ())
        if version is not None:
            out["version"] = version
        return out

    def as_created(self) -> dict[str, Any]:
        """The document's ``after`` of a create: the POST body, the status set after
        assembly, the definition written after it."""
        out = self.post()
        if self.desired_status is not None:
            out["desired_status"] = self.desired_status
        if self.definition is not None:
            out["packageEntities"] = thaw(self.definition)
        return out

    def as_put(self) -> dict[str, Any]:
        """The document's ``after`` of a PUT replace."""
        out: dict[str, Any] = {"name": self.name, "description": self.description,
                               "source": self.source, "status": self.status}
        if self.definition is not None:
            out["packageEntities"] = thaw(self.definition)
        else:
            out["objectCollections"] = thaw(self.collections or ())
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PackageBody:
        """Either ``after`` layout: a PUT's (``status``) or a create's (``desired_status``,
        absent for DRAFT)."""
        status = data.get("status") or data.get("desired_status") or "DRAFT"
        collections = data.get("objectCollections")
        return cls(name=data["name"], description=data["description"], source=data["source"],
                   status=status, collections=None if collections is None else tuple(collections),
                   definition=data.get("packageEntities"))


@dataclass(frozen=True)
class Create:
    """POST, wait for assembly, PUT the definition (if any), PATCH the status."""

    kind: ClassVar[ActionKind] = ActionKind.CREATE
    body: PackageBody

    def document(self) -> dict[str, Any]:
        return {"before": None, "after": self.body.as_created(),
                "desired_status": self.body.desired_status}


@dataclass(frozen=True)
class Update:
    """PATCH the fields that differ (the description always with our marker)."""

    kind: ClassVar[ActionKind] = ActionKind.UPDATE
    before: RemoteState
    name: str | None = None
    description: str | None = None
    status: str | None = None

    def fields(self) -> dict[str, Any]:
        """The PATCH body."""
        out = {"name": self.name, "description": self.description, "status": self.status}
        return {k: v for k, v in out.items() if v is not None}

    def document(self) -> dict[str, Any]:
        return {"before": self.before.data(), "after": self.fields() or None}


@dataclass(frozen=True)
class Replace:
    """New content for a package: PUT it in place, or create the new version, wait for it
    and only then disable the old one."""

    kind: ClassVar[ActionKind] = ActionKind.REPLACE
    before: RemoteState
    body: PackageBody
    strategy: ReplaceStrategy

    def document(self) -> dict[str, Any]:
        if self.strategy is ReplaceStrategy.PUT:
            return {"before": self.before.data(), "after": self.body.as_put(),
                    "strategy": self.strategy.value}
        return {"before": self.before.data(), "after": self.body.as_created(),
                "strategy": self.strategy.value, "desired_status": self.body.desired_status}


@dataclass(frozen=True)
class Earlier:
    """The earlier version a rollback re-uses, as the plan found it (DISABLED), and what
    the plan says of it: when it was assembled, where it was installed, until when it was
    the declared version (its ``retiredAt``), and its records (what the installs overwrite
    where the targets hold them)."""

    state: RemoteState
    assembled: str | None = None
    installed: tuple[str, ...] = ()
    until: str | None = None
    records: tuple[str, ...] = ()

    def data(self) -> dict[str, Any]:
        return {**self.state.data(), "assembled": self.assembled,
                "installed": list(self.installed), "until": self.until,
                "records": list(self.records)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Earlier:
        return cls(RemoteState.from_data(data), assembled=data.get("assembled"),
                   installed=tuple(data.get("installed") or ()), until=data.get("until"),
                   records=tuple(data.get("records") or ()))


@dataclass(frozen=True)
class Rollback:
    """Re-use an earlier version that holds the declared content: PATCH it to the declared
    status (its marker's ``rollback`` names the environments a later version went to, and
    ``prior`` lists its installations there),
    then disable the current version (``before``). Where the service refuses to make a
    DISABLED package usable again, ``fallback`` is created instead (assembled again from
    today's sandbox, as a content change would) and the installs follow ``existing:`` as
    declared."""

    kind: ClassVar[ActionKind] = ActionKind.ROLLBACK
    before: RemoteState
    earlier: Earlier
    status: str
    description: str
    fallback: PackageBody

    def fields(self) -> dict[str, Any]:
        """The PATCH of the earlier version."""
        return {"status": self.status, "description": self.description}

    def document(self) -> dict[str, Any]:
        return {"before": self.before.data(), "after": self.fields(),
                "earlier": self.earlier.data(), "fallback": self.fallback.as_created()}


@dataclass(frozen=True)
class Disable:
    """PATCH the status DISABLED; a superseded version only once its successor assembled."""

    kind: ClassVar[ActionKind] = ActionKind.DISABLE
    before: RemoteState
    successor_id: str | None = None

    def document(self) -> dict[str, Any]:
        return {"before": self.before.data(), "after": dict(DISABLED),
                "successor_id": self.successor_id}


@dataclass(frozen=True)
class Delete:
    kind: ClassVar[ActionKind] = ActionKind.DELETE
    before: RemoteState

    def document(self) -> dict[str, Any]:
        return {"before": self.before.data(), "after": None}


@dataclass(frozen=True)
class LastInstall:
    """The latest installation of the package into the target environment (``before``)."""

    installation_id: str
    status: str | None = None
    version: Any = None
    at: str | None = None

    def data(self) -> dict[str, Any]:
        return {"installation_id": self.installation_id, "status": self.status,
                "version": self.version, "at": self.at}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LastInstall:
        return cls(installation_id=data["installation_id"], status=data["status"],
                   version=data["version"], at=data["at"])


@dataclass(frozen=True)
class Install:
    """Pre-run, apply ``existing`` and the overrides to the map, install, wait. ``step`` is
    the position in the package's install list; ``after`` the environments it waits for,
    ``gates`` how each stood; ``blocked`` why a gate is not met (shown, never executed)."""

    kind: ClassVar[ActionKind] = ActionKind.INSTALL
    environment: str
    step: int = 0
    existing: str = "use"
    version: Any = None                      # None: a version made in this run
    overrides: FrozenMap = field(default_factory=FrozenMap)
    after: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()
    last: LastInstall | None = None
    blocked: str | None = None
    # A rollback's install (or a later one of the package it re-used): ``existing`` is
    # "overwrite" whatever was declared, which is kept here (apply falls back to it when
    # the service refused the re-use and the content was assembled again).
    declared_existing: str | None = None
    # Known when planned, not saved (a saved plan keeps the format the pinned release
    # reads; apply of a saved plan runs the plan made again), so not compared either.
    content: str | None = field(default=None, compare=False)   # sha256 of the content
    prior: frozenset[str] = field(default=frozenset(), compare=False)  # earlier content's
    # installation keys (ownership.Marker.prior)
    # The history showed a record of this package in this environment not finished
    # (PREPARING or running): an earlier, killed run may have left its install under way.
    unfinished: bool = field(default=False, compare=False)

    def plain_overrides(self) -> dict[str, dict[str, str]]:
        return {str(code): {str(k): str(v) for k, v in records.items()}
                for code, records in self.overrides.items()}

    def document(self) -> dict[str, Any]:
        after = {"environment": self.environment, "step": self.step, "existing": self.existing,
                 "version": self.version, "overrides": thaw(self.overrides),
                 "after": list(self.after), "gates": list(self.gates)}
        if self.declared_existing is not None:
            after["declared_existing"] = self.declared_existing
        # ``content`` and ``prior`` stay out of the document: saved plans keep a format the
        # pinned release reads, and apply of a saved plan runs the plan made again, which
        # has them.
        return {"before": self.last.data() if self.last else None, "after": after,
                "environment": self.environment, "blocked": self.blocked}


@dataclass(frozen=True)
class NoOp:
    kind: ClassVar[ActionKind] = ActionKind.NOOP
    before: RemoteState

    def document(self) -> dict[str, Any]:
        return {"before": self.before.data(), "after": None}


Change = Create | Update | Replace | Rollback | Disable | Delete | Install | NoOp


def change_from_data(item: Mapping[str, Any]) -> Change:
    """The change of one saved action (``item``: the action's object in the document, checked
    against ``schemas/plan.schema.json``, which says which keys each kind has)."""
    kind = ActionKind(item["action"])
    after: Mapping[str, Any] = item["after"] or {}
    before = item["before"]
    if kind is ActionKind.CREATE:
        return Create(PackageBody.from_data(after))
    if kind is ActionKind.INSTALL:
        return Install(environment=after["environment"], step=after["step"],
                       existing=after["existing"], version=after["version"],
                       overrides=FrozenMap(after["overrides"]), after=tuple(after["after"]),
                       gates=tuple(after["gates"]),
                       last=None if before is None else LastInstall.from_data(before),
                       blocked=item.get("blocked"),
                       declared_existing=after.get("declared_existing"))
    remote = RemoteState.from_data(before)
    if kind is ActionKind.DELETE:
        return Delete(remote)
    if kind is ActionKind.NOOP:
        return NoOp(remote)
    if kind is ActionKind.UPDATE:
        return Update(remote, name=after.get("name"), description=after.get("description"),
                      status=after.get("status"))
    if kind is ActionKind.DISABLE:
        return Disable(remote, successor_id=item.get("successor_id"))
    if kind is ActionKind.ROLLBACK:
        return Rollback(remote, Earlier.from_data(item["earlier"]), status=after["status"],
                        description=after["description"],
                        fallback=PackageBody.from_data(item["fallback"]))
    return Replace(remote, PackageBody.from_data(after), ReplaceStrategy(item["strategy"]))
