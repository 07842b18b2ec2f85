"""A plan is data: an ordered list of immutable actions, each with a reason and field diffs.

Built by the pure planner, rendered by the renderers, executed by the apply engine and saved
as JSON. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from reconciler.domain.objcodes import INSTALL_ACTIONS
from reconciler.plan.changes import (
    ActionKind,
    Change,
    Create,
    Delete,
    Disable,
    Install,
    NoOp,
    Replace,
    ReplaceStrategy,
    Rollback,
    Update,
)
from reconciler.plan.values import FrozenMap, freeze, thaw

if TYPE_CHECKING:
    from reconciler.plan.promotion import Matrix

# The kinds of change (plan.changes) are handed on with the rest of the plan's vocabulary.
__all__ = [
    "FORMAT_VERSION",
    "KIND_ORDER",
    "PRERUN_ACTIONS",
    "Action",
    "ActionKind",
    "Change",
    "Create",
    "Delete",
    "DiffOp",
    "Disable",
    "FieldDiff",
    "Install",
    "NoOp",
    "Plan",
    "PlanFlags",
    "PrerunPreview",
    "Reason",
    "Replace",
    "ReplaceStrategy",
    "Rollback",
    "SafetyVerdict",
    "Scope",
    "Update",
]

# 1.1: diffs carry "op"; 1.2: "scope" and "safety" (optional: 1.0 and 1.1 plans still read);
# 1.3: the reason "revision_raised"; 1.4: install actions, "blocked" actions and "prerun"
# previews; 1.5: the "picture" (the promotion matrix, as status --format json has it);
# 1.6: "rollback" actions (with "earlier" and "fallback"), installs' "declared_existing"
FORMAT_VERSION = "1.6"


# Deterministic execution/display order of kinds; within a kind, by package name.
KIND_ORDER: dict[ActionKind, int] = {
    ActionKind.CREATE: 0, ActionKind.UPDATE: 1, ActionKind.REPLACE: 2,
    ActionKind.ROLLBACK: 2, ActionKind.INSTALL: 3, ActionKind.DISABLE: 4, ActionKind.DELETE: 5,
    ActionKind.NOOP: 6,
}


class Reason(StrEnum):
    """Why an action is planned (after Terraform's action_reason)."""

    MISSING = "missing"                              # create: nothing remote by this name/id
    FIELDS_CHANGED = "fields_changed"                # update: description/status/name differ
    CONTENT_CHANGED = "content_changed"              # replace: declared content digest differs
    REPLACE_REQUESTED = "replace_requested"          # replace: --replace NAME
    REVISION_RAISED = "revision_raised"              # replace: `revision:` changed, nothing else
    ASSEMBLY_FAILED = "assembly_failed"              # replace: remote is ASSEMBLING_FAILED;
                                                     # delete: a failed package of ours
    NOT_DECLARED = "not_declared"                    # disable/delete: owned, gone from files
    SUPERSEDED = "superseded"                        # disable: older version an unfinished
                                                     # create-then-disable replace left live
    DUPLICATE = "duplicate"                          # disable: a live twin of ours, same
                                                     # name and content (a late commit)
    INSTALL_REQUESTED = "install_requested"          # install: declared, not yet installed
    INSTALL_FAILED = "install_failed"                # install: the last attempt failed: retry
    NEW_VERSION = "new_version"                      # install: created or replaced in this run
    REINSTALL_REQUESTED = "reinstall_requested"      # install: --reinstall ENV
    ROLLBACK = "rollback"                            # rollback: the declared content is an
                                                     # earlier version's, which is re-used;
                                                     # install: that version, overwriting
    ADOPTED = "adopted"                              # update: --adopt writes our marker
    UP_TO_DATE = "up_to_date"                        # no-op


class DiffOp(StrEnum):
    """What happened to one field or list item (after kopf's diff items)."""

    ADD = "add"
    REMOVE = "remove"
    CHANGE = "change"


@dataclass(frozen=True)
class FieldDiff:
    """One changed field: a path such as "description" or "packageEntities.TMPL[0].name".

    ``op`` says whether the value was added (``old`` is None), removed (``new`` is None) or
    changed; when not given it follows from which side is missing.
    """

    path: str
    old: Any
    new: Any
    op: DiffOp | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "old", freeze(self.old))
        object.__setattr__(self, "new", freeze(self.new))
        if self.op is None:
            op = DiffOp.ADD if self.old is None else DiffOp.REMOVE if self.new is None \
                else DiffOp.CHANGE
            object.__setattr__(self, "op", op)

    def data(self) -> dict[str, Any]:
        op = self.op.value if self.op is not None else DiffOp.CHANGE.value
        return {"path": self.path, "op": op, "old": thaw(self.old), "new": thaw(self.new)}


@dataclass(frozen=True)
class Action:
    """One change to one package: which (``name``, ``package_id``), why (``reason``, the
    ``diffs`` shown) and what is done (``change``, typed by kind)."""

    name: str                                  # package name (desired, or remote for prune)
    reason: Reason
    change: Change
    package_id: str | None = None              # remote id the action touches, if any
    diffs: tuple[FieldDiff, ...] = ()
    source_env: str | None = None              # environment whose host creates/writes it
    origin: str | None = None                  # "file:line" of the declaration

    @property
    def kind(self) -> ActionKind:
        return self.change.kind

    @property
    def environment(self) -> str | None:
        """Install only: the target environment."""
        return self.change.environment if isinstance(self.change, Install) else None

    @property
    def blocked(self) -> str | None:
        """Install only: why a gate is not met. A blocked action is shown, never executed,
        and does not fail the rest of the plan."""
        return self.change.blocked if isinstance(self.change, Install) else None

    def sort_key(self) -> tuple[int, str, int, str, str]:
        """The one order of a plan: by kind, then package name, then (installs) the position
        in the package's install list (gate order), environment and id. Deletes of failed
        assemblies come first: they never block the rest of their chain."""
        step = self.change.step if isinstance(self.change, Install) else 0
        order = -1 if self.kind is ActionKind.DELETE and self.reason is Reason.ASSEMBLY_FAILED \
            else KIND_ORDER[self.kind]
        return (order, self.name, step, self.environment or "", self.package_id or "")

    @property
    def changes_remote(self) -> bool:
        return self.kind is not ActionKind.NOOP

    @property
    def runnable(self) -> bool:
        """Executed by apply: a change whose gates are met."""
        return self.changes_remote and self.blocked is None

    def data(self) -> dict[str, Any]:
        """The action in the saved-plan document (format 1.4 layout)."""
        written = self.change.document()
        out: dict[str, Any] = {
            "action": self.kind.value, "name": self.name, "reason": self.reason.value,
            "package_id": self.package_id, "before": written.pop("before"),
            "after": written.pop("after"), "diffs": [d.data() for d in self.diffs],
        }
        written.update(source_env=self.source_env, origin=self.origin)
        for key in ("strategy", "source_env", "environment", "desired_status", "origin",
                    "blocked", "successor_id", "earlier", "fallback"):
            if written.get(key) is not None:
                out[key] = written[key]
        return out


@dataclass(frozen=True)
class Scope:
    """Which packages a run considered. A run that read the whole packages folder is
    ``complete`` and may prune; PATHS that leave part of it out make the run partial: only
    the packages declared in them are created, updated or replaced, and no package is
    disabled or deleted for not being declared."""

    complete: bool = True
    out_of_scope: int = 0          # owned remote packages left alone because of the scope
    reason: str | None = None      # why the run is partial (None when complete)

    def data(self) -> dict[str, Any]:
        return {"complete": self.complete, "out_of_scope": self.out_of_scope,
                "reason": self.reason}


@dataclass(frozen=True)
class SafetyVerdict:
    """The outcome of the plan-level safety rules, carried by the plan (never raised by the
    planner): the plan is shown whole with its verdict, then refused without the flag.

    ``rule`` is "empty" (no packages declared), "threshold" (more than max_change_percent
    of the managed packages disabled, deleted or replaced) or "majority" (fewer than
    min_managed managed, and more than small_set_percent of them disabled or deleted).
    """

    rule: str
    message: str
    flag: str                      # "--force" or "--allow-empty"
    affected: int                  # packages the rule counts
    managed: int                   # packages the owner manages
    limit_percent: float | None = None
    allowed: bool = False          # the flag was given: shown, not refused

    @property
    def refused(self) -> bool:
        return not self.allowed

    def data(self) -> dict[str, Any]:
        return {"status": "allowed" if self.allowed else "refused", "rule": self.rule,
                "message": self.message, "flag": self.flag, "affected": self.affected,
                "managed": self.managed, "limit_percent": self.limit_percent}

    def headline(self) -> str:
        if self.allowed:
            return f"Safety check overridden by {self.flag}: {self.message}."
        return (f"Refused by the safety check: {self.message}. Review the plan below; "
                f"pass {self.flag} to go ahead anyway.")


@dataclass(frozen=True)
class PlanFlags:
    """The command-line choices a plan was made with (``--target``, ``--exclude``,
    ``--replace``, ``--reinstall``, ``--adopt``, ``--allow-empty``, ``--force``). A saved plan
    is read back with them (``output.saved.saved_flags``: from its actions, verdict and
    selection warning) so that apply can make the same plan again from the declared files
    and refuse a saved plan that differs from it (an edited one)."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    reinstall: tuple[str, ...] = ()
    adopt: bool = False
    allow_empty: bool = False
    force: bool = False


PRERUN_ACTIONS = INSTALL_ACTIONS  # a pre-run counts the translation-map actions


@dataclass(frozen=True)
class PrerunPreview:
    """``plan --prerun``: what one pending install would do, after ``existing`` and the
    overrides were applied to the pre-run's translation map. ``records`` maps each action
    (CREATE, USEEXISTING, OVERWRITING, IGNORE, or another value the service reported) to
    the record labels ("objCode name") it applies to; ``error`` says why the preview is not
    available (no pre-run yet, a refused map, an HTTP error): then there are no counts, never
    a row of zeros."""

    name: str
    environment: str
    records: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    error: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", FrozenMap(self.records))

    @property
    def available(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        out = {a: 0 for a in PRERUN_ACTIONS}
        for action, labels in self.records.items():
            out[action] = len(labels)
        return out

    def data(self) -> dict[str, Any]:
        return {"name": self.name, "environment": self.environment,
                "available": self.available,
                "counts": self.counts() if self.available else None,
                "records": {k: list(v) for k, v in self.records.items()},
                "error": self.error}


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
    scope: Scope = field(default_factory=Scope)
    verdict: SafetyVerdict | None = None                 # None: no safety rule tripped
    # plan --prerun: what each pending install would do, per package and environment
    previews: tuple[PrerunPreview, ...] = ()
    # the flags it was made with (not part of what the plan is: equal plans may differ here)
    flags: PlanFlags = field(default_factory=PlanFlags, compare=False)
    # each declared package by environment when the plan was made (the comment's graph)
    picture: Matrix | None = field(default=None, compare=False)

    @property
    def refused(self) -> bool:
        """The plan trips a safety rule and the flag that allows it was not given."""
        return self.verdict is not None and self.verdict.refused

    @property
    def changes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.changes_remote)

    @property
    def runnable(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.runnable)

    @property
    def blocked(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.blocked is not None)

    def counts(self) -> dict[str, int]:
        counts = {k.value: 0 for k in ActionKind if k is not ActionKind.NOOP}
        for action in self.changes:
            counts[action.kind.value] += 1
        if not counts[ActionKind.ROLLBACK.value]:
            # Counted only when there is one: a plan without a rollback reads as before
            # (in format 1.5 readers too).
            del counts[ActionKind.ROLLBACK.value]
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)
