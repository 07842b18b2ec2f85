"""What each action shows, as detail items shared by the text and Markdown renderers.

A detail is a sign ("+" added, "-" removed, "~" changed), a label (a field path, or an objCode
and entity ID) and the old and/or new value as JSON text. Renderers decide symbols, colour,
layout and escaping.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.plan.changes import (
    Create,
    Delete,
    Disable,
    Install,
    PackageBody,
    Replace,
    ReplaceStrategy,
    Rollback,
)
from reconciler.plan.model import PRERUN_ACTIONS, Action, ActionKind, DiffOp, Plan, Reason
from reconciler.plan.ownership import strip_marker
from reconciler.plan.values import thaw


@dataclass(frozen=True)
class Detail:
    sign: str
    label: str
    old: str | None = None
    new: str | None = None

    def text(self) -> str:
        """One line: ``label: new``, ``label: old`` or ``label: old -> new``."""
        if self.sign == "~":
            return f"{self.label}: {self.old} -> {self.new}"
        shown = self.new if self.sign == "+" else self.old
        return self.label if shown is None else f"{self.label}: {shown}"


SYMBOLS: dict[ActionKind, str] = {
    ActionKind.CREATE: "+", ActionKind.UPDATE: "~", ActionKind.REPLACE: "-/+",
    ActionKind.ROLLBACK: "<-", ActionKind.DISABLE: "~", ActionKind.DELETE: "-",
    ActionKind.INSTALL: ">", ActionKind.NOOP: " ",
}


SHORT_ID = 8        # characters of a package id shown in a headline
SHORT_DIGEST = 12   # characters of a content digest shown in a headline


def value(data: Any) -> str:
    return json.dumps(thaw(data), ensure_ascii=False, sort_keys=True)


def _number(value: Any) -> str:
    return "none" if value is None else str(value)


def rollback_words(change: Rollback) -> str:
    """``rollback to package 1a2b3c4d assembled 2026-11-02, installed in preview,
    production until 2026-11-20``: what a reviewer reads of a rollback."""
    earlier = change.earlier
    words = f"rollback to package {earlier.state.id[:SHORT_ID]}"
    if earlier.assembled:
        words += f" assembled {earlier.assembled[:10]}"
    where = ", ".join(earlier.installed) if earlier.installed else "no environment"
    words += f", installed in {where}"
    if earlier.until:
        words += f" until {earlier.until[:10]}"
    return words


def headline(action: Action) -> str:
    """e.g. ``replace (content_changed, strategy put)``."""
    if isinstance(action.change, Rollback):
        return rollback_words(action.change)
    extra = [action.reason.value]
    if action.reason is Reason.REVISION_RAISED:
        # The one reason a reviewer reads as a number: "revision 3 -> 4".
        change = next((d for d in action.diffs if d.path == "revision"), None)
        if change is not None:
            extra = [f"revision {_number(change.old)} -> {_number(change.new)}"]
    payload = action.change
    if isinstance(payload, Install):
        # What identifies the content, not the API's version (1 for every package under
        # current; kept by a 2023 PUT): the package and the content digest.
        if action.package_id:
            extra.append(f"package {action.package_id[:SHORT_ID]}")
        if payload.content:
            extra.append(f"content {payload.content[:SHORT_DIGEST]}")
    if isinstance(payload, Replace):
        extra.append(f"strategy {payload.strategy.value}")
    if isinstance(payload, Install):
        extra.append(f"into {payload.environment}")
        extra.extend(payload.gates)
    if action.blocked is not None:
        extra.append("BLOCKED")
    return f"{action.kind.value} ({', '.join(extra)})"


def _install(action: Action) -> list[Detail]:
    change = action.change
    assert isinstance(change, Install)
    lines = [Detail("+", "environment", new=value(change.environment))]
    if change.declared_existing is not None:
        lines.append(Detail("+", "existing", new=f'"overwrite" (rollback; declared '
                                                 f'{value(change.declared_existing)})'))
    elif change.existing == "overwrite":
        lines.append(Detail("+", "existing", new='"overwrite"'))
    for code, records in sorted(change.overrides.items()):
        for source_id, what in sorted(records.items()):
            lines.append(Detail("+", f"override {code} {source_id}", new=value(what)))
    if change.last is not None and change.last.status:
        lines.append(Detail("~", "last install", value(change.last.status),
                            value(action.reason.value)))
    if change.blocked is not None:
        lines.append(Detail("-", "blocked", old=change.blocked))
    return lines


def _body_lines(body: PackageBody, put: bool, source_env: str | None) -> list[Detail]:
    """What a create or replace sends. A PUT carries the status; a new package is given
    its status after assembly (to a reader it is the status all the same)."""
    source = value(body.source)
    if source_env:
        # Reviewers wrote (and know) the environment's name; the URL says where.
        source = f"{value(source_env)} ({body.source})"
    lines = [Detail("+", "name", new=value(body.name)),
             Detail("+", "description", new=value(strip_marker(body.description))),
             Detail("+", "source", new=source)]
    status = body.status if put else body.desired_status
    if status is not None:
        lines.append(Detail("+", "status", new=value(status)))
    if not put or body.definition is None:
        for collection in body.collections or ():
            for entity in collection.get("entities", ()):
                label = f"{collection.get('objCode')} {entity.get('ID')}"
                name = entity.get("name")
                lines.append(Detail("+", label, new=value(name) if name else None))
    if body.definition is not None:
        entities = body.definition
        count = sum(len(v) for v in entities.values() if isinstance(v, tuple | list))
        lines.append(Detail("+", "packageEntities", new=f"{count} record(s) in "
                            f"{len(entities)} objCode(s), written with PUT"))
    return lines


def _created(action: Action) -> list[Detail]:
    assert isinstance(action.change, Create)
    return _body_lines(action.change.body, False, action.source_env)


def _replaced(action: Action) -> list[Detail]:
    change = action.change
    assert isinstance(change, Replace)
    put = change.strategy is ReplaceStrategy.PUT
    return _diff_lines(action) + _body_lines(change.body, put, action.source_env)


def _rolled_back(action: Action) -> list[Detail]:
    change = action.change
    assert isinstance(change, Rollback)
    earlier, before = change.earlier.state, change.before
    lines = [Detail("~", f"package {earlier.id} (re-used)", value(earlier.status),
                    value(change.status))]
    if before.status_upper != "DISABLED":     # else retired already (pruned, say)
        lines.append(Detail("~", f"package {before.id} (retired)", value(before.status),
                            '"DISABLED"'))
    lines.extend(_diff_lines(action))
    if change.earlier.records:
        lines.append(Detail("+", "overwrites, where a target holds them",
                            new=", ".join(change.earlier.records)))
    lines.append(Detail("+", "if the service refuses to re-use it",
                        new="the content is assembled again from today's sandbox and "
                            "installed as `existing:` declares"))
    return lines


def _diff_lines(action: Action) -> list[Detail]:
    out = []
    for d in action.diffs:
        if d.op is DiffOp.ADD:
            out.append(Detail("+", d.path, new=None if d.new is None else value(d.new)))
        elif d.op is DiffOp.REMOVE:
            out.append(Detail("-", d.path, old=None if d.old is None else value(d.old)))
        else:
            out.append(Detail("~", d.path, value(d.old), value(d.new)))
    return out


def _disable(action: Action) -> list[Detail]:
    assert isinstance(action.change, Disable)
    return [Detail("~", "status", value(action.change.before.status), '"DISABLED"')]


def _delete(action: Action) -> list[Detail]:
    # The header line already names the id: say instead which status goes away with it.
    assert isinstance(action.change, Delete)
    before = action.change.before
    status = before.status if before is not None else None
    return [Detail("-", "status", old=value(status) if status else "(not listed)")]


_DETAIL: dict[ActionKind, Callable[[Action], list[Detail]]] = {
    ActionKind.CREATE: _created,
    ActionKind.UPDATE: _diff_lines,
    ActionKind.REPLACE: _replaced,
    ActionKind.ROLLBACK: _rolled_back,
    ActionKind.DISABLE: _disable,
    ActionKind.DELETE: _delete,
    ActionKind.INSTALL: _install,
    ActionKind.NOOP: lambda a: [],
}


def details(action: Action) -> list[Detail]:
    return _DETAIL[action.kind](action)


PRERUN_COLUMNS = PRERUN_ACTIONS  # the table shows every action a preview counts


def prerun_rows(plan: Plan) -> list[tuple[str, str, list[str], str | None]]:
    """(package, environment, counts as text per column, why not available) for ``plan
    --prerun``; an install with no pre-run has "-" in every column, never zeros."""
    rows = []
    for preview in plan.previews:
        counts = preview.counts()
        cells = [str(counts.get(c, 0)) if preview.available else "-" for c in PRERUN_COLUMNS]
        rows.append((preview.name, preview.environment, cells,
                     None if preview.available else unavailable(preview.error)))
    return rows


def unavailable(reason: str | None) -> str:
    return f"not available, because {reason}"


def prerun_summary(plan: Plan) -> str:
    """e.g. ``3 install(s) previewed, 1 not available``."""
    shown = sum(1 for p in plan.previews if p.available)
    return (f"{shown} install(s) previewed, {len(plan.previews) - shown} not available "
            "(pre-run made during apply)")


def scope_note(plan: Plan) -> str | None:
    """How many packages a partial run left alone, and why; None for a complete run, and
    for a partial one that left none alone (nothing it could have pruned was spared)."""
    if plan.scope.complete or not plan.scope.out_of_scope:
        return None
    return (f"partial run: {plan.scope.out_of_scope} package(s) owned by {plan.owner} were "
            f"left out of scope and are not disabled or deleted; "
            f"{plan.scope.reason or 'the given PATHS do not cover the packages folder'}")


def summary_line(plan: Plan) -> str:
    if not plan.has_changes:
        return "No changes."
    c = plan.counts()
    line = (f"Plan: {c['create']} to create, {c['update']} to update, "
            f"{c['replace']} to replace, "
            + (f"{c['rollback']} to roll back, " if c.get("rollback") else "")
            + f"{c['disable']} to disable, {c['delete']} to delete")
    if c["install"]:
        blocked = len(plan.blocked)
        line += f", {c['install']} to install" + (f" ({blocked} blocked)" if blocked else "")
    return line + "."
