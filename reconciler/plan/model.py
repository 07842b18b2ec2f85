"""A plan is data: an ordered list of immutable actions, each with a reason and field diffs.

Built by the pure planner, rendered by the renderers, executed by the apply engine and saved
as JSON. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

FORMAT_VERSION = "1.0"


class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DISABLE = "disable"
    DELETE = "delete"
    INSTALL = "install"
    NOOP = "no-op"


# Deterministic execution/display order of kinds; within a kind, by package name.
KIND_ORDER: dict[ActionKind, int] = {
    ActionKind.CREATE: 0, ActionKind.UPDATE: 1, ActionKind.REPLACE: 2,
    ActionKind.INSTALL: 3, ActionKind.DISABLE: 4, ActionKind.DELETE: 5, ActionKind.NOOP: 6,
}


class Reason(StrEnum):
    """Why an action is planned (after Terraform's action_reason)."""

    MISSING = "missing"                              # create: nothing remote by this name/id
    FIELDS_CHANGED = "fields_changed"                # update: description/status/name differ
    CONTENT_CHANGED = "content_changed"              # replace: declared content digest differs
    REPLACE_REQUESTED = "replace_requested"          # replace: --replace NAME
    ASSEMBLY_FAILED = "assembly_failed"              # replace: remote is ASSEMBLING_FAILED;
                                                     # delete: a failed package of ours
    NOT_DECLARED = "not_declared"                    # disable/delete: owned, gone from files
    SUPERSEDED = "superseded"                        # disable: older version an unfinished
                                                     # create-then-disable replace left live
    INSTALL_REQUESTED = "install_requested"          # install: declared, not yet installed
    ADOPTED = "adopted"                              # update: --adopt writes our marker
    UP_TO_DATE = "up_to_date"                        # no-op


class ReplaceStrategy(StrEnum):
    PUT = "put"                                      # PUT /packages/{id} (profile 2023)
    CREATE_THEN_DISABLE = "create_then_disable"      # new package, wait, then disable old


@dataclass(frozen=True)
class FieldDiff:
    """One changed field: a path such as "description" or "packageEntities.TMPL[0].name"."""

    path: str
    old: Any
    new: Any

    def data(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    name: str                                  # package name (desired, or remote for prune)
    reason: Reason
    package_id: str | None = None              # remote id the action touches, if any
    # The full request body to send for create/replace (description carries the marker);
    # for update, only the fields to PATCH; for disable, {"status": "DISABLED"}.
    after: dict[str, Any] | None = None
    before: dict[str, Any] | None = None       # the remote package as compared (no marker)
    diffs: tuple[FieldDiff, ...] = ()
    strategy: ReplaceStrategy | None = None    # replace only
    source_env: str | None = None              # environment whose host creates/writes it
    environment: str | None = None             # install only: target environment
    desired_status: str | None = None          # status to PATCH after assembly, if not DRAFT
    origin: str | None = None                  # "file:line" of the declaration
    # Disable of a superseded version: the id of its successor, whose assembly must end well
    # before the old version is touched (if the successor fails, the old one is left alone).
    successor_id: str | None = None

    def sort_key(self) -> tuple[int, str, str]:
        # Failed assemblies are deleted first: they never block the rest of their chain.
        if self.kind is ActionKind.DELETE and self.reason is Reason.ASSEMBLY_FAILED:
            return (-1, self.name, self.environment or "")
        return (KIND_ORDER[self.kind], self.name, self.environment or "")

    @property
    def changes_remote(self) -> bool:
        return self.kind is not ActionKind.NOOP

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.kind.value, "name": self.name, "reason": self.reason.value,
            "package_id": self.package_id, "before": self.before, "after": self.after,
            "diffs": [d.data() for d in self.diffs],
        }
        for key in ("strategy", "source_env", "environment", "desired_status", "origin",
                    "successor_id"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.value if isinstance(value, Enum) else value
        return out


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    owner: str
    profile: str
    desired_digest: str                                  # sha256 over the declared files
    paths: tuple[str, ...] = ()                          # PATHS the plan was made from
    remote_fingerprints: dict[str, str] = field(default_factory=dict)  # id -> sha256
    warnings: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds

    @property
    def changes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.changes_remote)

    def counts(self) -> dict[str, int]:
        counts = {k.value: 0 for k in ActionKind if k is not ActionKind.NOOP}
        for action in self.changes:
            counts[action.kind.value] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)
