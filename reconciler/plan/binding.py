"""Binding a saved plan to what it will do.

A saved plan is a text file: anyone can edit it between ``plan --out`` and ``apply``. Before a
saved plan is applied, the same plan is made again from the declared files, the remote and
the flags the saved plan shows it was made with (``fresh``); :func:`bind` compares the two
and says where they differ. Apply refuses a saved plan that differs anywhere, and runs the
fresh plan's actions: every body, description and marker it writes comes from the declared
files, never from the text of the saved plan.

One difference is allowed: an install the saved plan holds that has been made since (so the
fresh plan has no action for it). It is kept, checked against the declared ``install:`` entry,
and the apply engine finds it done and skips it (a completed install is never repeated).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.plan import canonical
from reconciler.plan.model import Action, ActionKind, Plan, Reason

# An install made since the plan was saved changes these, and nothing else, of an install.
HISTORY_KEYS = ("before", "reason")


@dataclass(frozen=True)
class Binding:
    """``problems``: each difference, worded for the user (empty: the saved plan is bound);
    ``plan``: the plan to run, made from the declared files."""

    problems: tuple[str, ...]
    plan: Plan


def bind(saved: Plan, fresh: Plan, specs: Sequence[PackageSpec]) -> Binding:
    problems: list[str] = []
    for what, mine, theirs in (
            ("owner", saved.owner, fresh.owner), ("API profile", saved.profile, fresh.profile),
            ("desired_digest", saved.desired_digest, fresh.desired_digest),
            ("paths", list(saved.paths), list(fresh.paths)),
            ("remote_fingerprints", dict(saved.remote_fingerprints),
             dict(fresh.remote_fingerprints)),
            ("scope", saved.scope.data(), fresh.scope.data()),
            ("safety verdict", _opt(saved.verdict), _opt(fresh.verdict)),
            ("warnings", list(saved.warnings), list(fresh.warnings))):
        if mine != theirs:
            problems.append(f"it records other {what} than a new plan" if what.endswith("s")
                            else f"it records another {what} than a new plan")
    problems.extend(_compare_changes(saved, fresh))
    kept, install_problems = _compare_installs(saved, fresh, specs)
    problems.extend(install_problems)
    actions = tuple(sorted((*fresh.actions, *kept), key=Action.sort_key))
    return Binding(tuple(problems), replace(fresh, actions=actions))


def _opt(value: Any) -> Any:
    return None if value is None else value.data()


def _label(action: Action) -> str:
    where = f" into {action.environment}" if action.environment else ""
    return f"{action.kind.value} {action.name!r}{where}"


def _compare_changes(saved: Plan, fresh: Plan) -> list[str]:
    mine = [a for a in saved.actions if a.kind is not ActionKind.INSTALL]
    theirs = [a for a in fresh.actions if a.kind is not ActionKind.INSTALL]
    out = []
    for one, other in zip(mine, theirs, strict=False):
        where = first_difference(one.data(), other.data())
        if where is not None:
            out.append(f"its action {_label(one)} differs from a new plan's "
                       f"{_label(other)} at {where or 'the top'}")
    for extra in mine[len(theirs):]:
        out.append(f"it holds an action a new plan does not: {_label(extra)}")
    for missing in theirs[len(mine):]:
        out.append(f"it lacks an action a new plan holds: {_label(missing)}")
    return out


def _key(action: Action) -> tuple[str, str]:
    return canonical.name(action.name), action.environment or ""


def _compare_installs(saved: Plan, fresh: Plan,
                      specs: Sequence[PackageSpec]) -> tuple[list[Action], list[str]]:
    """The saved installs made since (to keep), and the differences."""
    mine = [a for a in saved.actions if a.kind is ActionKind.INSTALL]
    theirs = {_key(a): a for a in fresh.actions if a.kind is ActionKind.INSTALL}
    out: list[str] = []
    kept: list[Action] = []
    seen: set[tuple[str, str]] = set()
    for action in mine:
        key = _key(action)
        if key in seen:
            out.append(f"it holds {_label(action)} twice")
            continue
        seen.add(key)
        other = theirs.get(key)
        if other is not None:
            one, two = action.data(), other.data()
            if one.get("before") != two.get("before"):  # installed since: history moved
                for data in (one, two):
                    for name in HISTORY_KEYS:
                        data.pop(name, None)
                    data["after"] = {k: v for k, v in data["after"].items() if k != "gates"}
            where = first_difference(one, two)
            if where is not None:
                out.append(f"its action {_label(action)} differs from a new plan's at "
                           f"{where or 'the top'}")
            continue
        problem = _made_since(action, fresh, specs)
        if problem is None:
            kept.append(action)
        else:
            out.append(problem)
    for key, other in theirs.items():
        if key not in seen:
            out.append(f"it lacks an action a new plan holds: {_label(other)}")
    return kept, out


def _made_since(action: Action, fresh: Plan, specs: Sequence[PackageSpec]) -> str | None:
    """None when ``action`` is an install the declared files call for that a new plan no
    longer needs (made since); else why it cannot be kept."""
    extra = f"it holds an action a new plan does not: {_label(action)}"
    change = action.change
    if action.reason not in (Reason.INSTALL_REQUESTED, Reason.INSTALL_FAILED, Reason.ROLLBACK) \
            or action.package_id is None or action.blocked is not None:
        return extra
    spec = next((s for s in specs if canonical.name(s.name) == canonical.name(action.name)),
                None)
    if spec is None or not 0 <= getattr(change, "step", -1) < len(spec.install):
        return extra
    step = spec.install[change.step]  # type: ignore[union-attr]
    declared = {"environment": step.environment, "existing": step.existing,
                "overrides": {code: dict(records) for code, records in step.overrides.items()},
                "after": list(step.after)}
    written = action.data()["after"]
    if written.get("declared_existing") is not None:
        # a rollback's install overwrites; the file declares what it says
        written = {**written, "existing": written["declared_existing"]}
    if any(written.get(k) != v for k, v in declared.items()) or action.name != spec.name \
            or action.source_env != spec.source:
        return f"its action {_label(action)} is not the install its package file declares"
    ids = {a.package_id for a in fresh.actions
           if a.kind is not ActionKind.INSTALL and canonical.name(a.name)
           == canonical.name(action.name)}
    if action.package_id not in ids:
        return f"its action {_label(action)} names a package id a new plan does not"
    return None


def first_difference(one: Any, two: Any, path: str = "") -> str | None:
    """The first key path where two JSON values differ ("" for the values themselves), or
    None when they are equal."""
    if isinstance(one, dict) and isinstance(two, dict):
        for key in sorted(set(one) | set(two), key=str):
            where = first_difference(one.get(key), two.get(key),
                                     f"{path}.{key}" if path else str(key))
            if where is not None:
                return where
        return None
    if isinstance(one, list) and isinstance(two, list):
        if len(one) != len(two):
            return path
        for index, (a, b) in enumerate(zip(one, two, strict=True)):
            where = first_difference(a, b, f"{path}[{index}]")
            if where is not None:
                return where
        return None
    return None if one == two and isinstance(one, bool) == isinstance(two, bool) else path
