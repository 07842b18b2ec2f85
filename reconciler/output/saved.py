"""The saved plan: a versioned JSON document (``schemas/plan.schema.json``) and back, and
the file on disk: recognised by its content, read back, or refused with one message."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import Location, StalePlan, WfpromoteError
from reconciler.plan.changes import change_from_data
from reconciler.plan.model import (
    FORMAT_VERSION,
    Action,
    DiffOp,
    FieldDiff,
    Plan,
    PlanFlags,
    PrerunPreview,
    Reason,
    SafetyVerdict,
    Scope,
)


def summary(plan: Plan) -> dict[str, int]:
    counts = plan.counts()
    counts["blocked"] = len(plan.blocked)
    counts["unchanged"] = sum(1 for a in plan.actions if not a.changes_remote)
    if plan.previews:
        counts["previewed"] = sum(1 for p in plan.previews if p.available)
        counts["not_previewed"] = len(plan.previews) - counts["previewed"]
    return counts


def plan_to_data(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "owner": plan.owner,
        "profile": plan.profile,
        "summary": summary(plan),
        "actions": [action.data() for action in plan.actions],
        "remote_fingerprints": dict(plan.remote_fingerprints),
        "desired_digest": plan.desired_digest,
        "paths": list(plan.paths),
        "warnings": list(plan.warnings),
        "scope": plan.scope.data(),
        "safety": plan.verdict.data() if plan.verdict else None,
        "prerun": [p.data() for p in plan.previews],
        "timings": {k: round(v, 6) for k, v in plan.timings.items()},
        **({"picture": plan.picture.data(compact=True)} if plan.picture is not None else {}),
    }


def plan_from_data(data: dict[str, Any]) -> Plan:
    """Rebuild a plan saved by ``plan --out``; refuses other major format versions and
    documents that do not follow ``schemas/plan.schema.json``."""
    if not isinstance(data, dict):
        raise StalePlan("not a valid saved plan: not a JSON object",
                        hint="make a new plan: wfpromote plan --out plan.json")
    version = str(data.get("format_version", ""))
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise StalePlan(
            f"not a valid saved plan: format version {version or 'unknown'}; this wfpromote "
            f"reads {FORMAT_VERSION}", hint="make a new plan with this version: wfpromote plan")
    _check_schema(data)
    plan = _plan(data)
    if data["summary"] != summary(plan):
        raise StalePlan("not a valid saved plan: its summary does not count its actions "
                        "(the file was edited)",
                        hint="make a new plan: wfpromote plan --out plan.json")
    if not plan.scope.complete and any(a.reason is Reason.NOT_DECLARED for a in plan.actions):
        raise StalePlan("not a valid saved plan: it was made from part of the packages "
                        "folder, yet disables or deletes undeclared packages",
                        hint="make a new plan: wfpromote plan --out plan.json")
    return plan


def _plan(data: dict[str, Any]) -> Plan:
    plan = _bare_plan(data)
    return replace(plan, flags=saved_flags(plan))


def saved_flags(plan: Plan) -> PlanFlags:
    """The flags a saved plan was made with, as far as they shaped it, read from the plan
    itself: ``--replace``, ``--adopt`` and ``--reinstall`` from the reasons of its actions,
    ``--force`` and ``--allow-empty`` from a verdict they allowed, ``--target`` and
    ``--exclude`` from the selection warning the planner writes for them. A flag that left no
    trace did not change the plan. Apply makes the plan again with these and compares: a
    wrong guess (an edited plan) can only make the two differ, and the plan is refused."""
    from reconciler.plan.selection import parse_warning

    verdict = plan.verdict
    allowed = verdict.flag if verdict is not None and verdict.allowed else None
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    for warning in plan.warnings:
        found = parse_warning(warning)
        if found is not None:
            targets, excludes = found
            break
    return PlanFlags(
        targets=targets, excludes=excludes,
        replaces=tuple(sorted({a.name for a in plan.actions
                               if a.reason is Reason.REPLACE_REQUESTED})),
        reinstall=tuple(sorted({a.environment for a in plan.actions
                                if a.reason is Reason.REINSTALL_REQUESTED and a.environment})),
        adopt=any(a.reason is Reason.ADOPTED for a in plan.actions),
        allow_empty=allowed == "--allow-empty", force=allowed == "--force")


def _bare_plan(data: dict[str, Any]) -> Plan:
    return Plan(
        actions=tuple(_action(item) for item in data.get("actions", [])),
        owner=str(data["owner"]), profile=str(data["profile"]),
        desired_digest=str(data.get("desired_digest", "")),
        paths=tuple(str(p) for p in data.get("paths") or ()),
        remote_fingerprints={str(k): str(v)
                             for k, v in data.get("remote_fingerprints", {}).items()},
        warnings=tuple(str(w) for w in data.get("warnings", [])),
        timings={str(k): float(v) for k, v in data.get("timings", {}).items()},
        scope=_scope(data.get("scope")), verdict=_verdict(data.get("safety")),
        previews=tuple(PrerunPreview(
            name=str(p["name"]), environment=str(p["environment"]),
            records={str(k): tuple(str(x) for x in v) for k, v in p["records"].items()},
            error=p.get("error")) for p in data.get("prerun") or ()),
        picture=_picture(data.get("picture")))


if TYPE_CHECKING:
    from reconciler.plan.promotion import Matrix


def _picture(item: dict[str, Any] | None) -> Matrix | None:
    if item is None:   # before format 1.5, or a plan made without one
        return None
    from reconciler.plan.promotion import Matrix

    try:
        return Matrix.from_data(item)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StalePlan(f"not a valid saved plan: its picture is malformed ({exc!r:.80})",
                        hint="make a new plan: wfpromote plan --out plan.json") from None


def _scope(item: dict[str, Any] | None) -> Scope:
    if item is None:  # format 1.0: no scope recorded, a complete run
        return Scope()
    return Scope(complete=bool(item["complete"]), out_of_scope=int(item["out_of_scope"]),
                 reason=item.get("reason"))


def _verdict(item: dict[str, Any] | None) -> SafetyVerdict | None:
    if item is None:
        return None
    return SafetyVerdict(
        rule=str(item["rule"]), message=str(item["message"]), flag=str(item["flag"]),
        affected=int(item["affected"]), managed=int(item["managed"]),
        limit_percent=item.get("limit_percent"), allowed=item["status"] == "allowed")


def _check_schema(data: dict[str, Any]) -> None:
    from reconciler.desired.schemas import validator

    error = next(iter(validator("plan").iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise StalePlan(f"not a valid saved plan: {error.message[:160]} (at {where})",
                        hint="make a new plan: wfpromote plan --out plan.json")


def _action(item: dict[str, Any]) -> Action:
    return Action(
        name=str(item["name"]), reason=Reason(item["reason"]), change=change_from_data(item),
        package_id=item.get("package_id"),
        diffs=tuple(FieldDiff(d["path"], d.get("old"), d.get("new"),
                              DiffOp(d["op"]) if d.get("op") else None)
                    for d in item.get("diffs", [])),
        source_env=item.get("source_env"), origin=item.get("origin"))


PLAN_MARK = '"format_version"'
NOT_A_PLAN_HINT = "make it again: wfpromote plan --out FILE, then wfpromote apply FILE"


def is_saved_plan(path: str) -> bool:
    """Whether ``path`` holds a saved plan, judged by its content, not its name: a JSON object
    with a ``format_version`` key (``plan --out`` writes it first; a package file never has
    it). A truncated or hand-edited plan still counts, so it is reported as a broken plan
    rather than as a package file."""
    file = Path(path)
    if not file.is_file():
        return False
    try:
        with file.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return head.lstrip("\ufeff \t\r\n").startswith("{") and PLAN_MARK in head


def read_saved_plan(paths: tuple[str, ...]) -> Plan | None:
    """The plan in ``paths`` when they name a saved-plan file; None when they are package
    paths. A saved plan given with other paths, or one that is not a valid plan, is refused."""
    plans = [p for p in paths if is_saved_plan(p)]
    if not plans:
        return None
    if len(paths) > 1:
        raise WfpromoteError(
            f"{plans[0]} is a saved plan; it cannot be given together with other paths",
            hint="apply the saved plan alone (wfpromote apply PLAN.json), or give only "
                 "package files and folders")
    path = plans[0]
    from reconciler.desired.sources import SourceError, loads_strict

    try:
        data = loads_strict(Path(path).read_text(encoding="utf-8-sig"), path)
    except SourceError as exc:  # NaN, Infinity or -Infinity: not JSON, said where
        raise StalePlan(f"not a valid saved plan: {exc.message}", hint=NOT_A_PLAN_HINT,
                        location=exc.location) from None
    except UnicodeDecodeError:
        raise StalePlan("not a valid saved plan: it is not UTF-8 text", hint=NOT_A_PLAN_HINT,
                        location=Location(path)) from None
    except json.JSONDecodeError as exc:
        raise StalePlan(f"not a valid saved plan: broken JSON ({exc.msg}); the file may be "
                        "truncated or edited", hint=NOT_A_PLAN_HINT,
                        location=Location(path, exc.lineno, exc.colno)) from None
    except OSError as exc:
        raise WfpromoteError(f"cannot read the saved plan: {exc.strerror or exc}",
                             location=Location(path)) from None
    try:
        return plan_from_data(data)
    except StalePlan as exc:  # name the file: the message alone does not say which
        if exc.location is not None:
            raise
        raise type(exc)(exc.message, hint=exc.hint, location=Location(path)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise StalePlan(f"not a valid saved plan ({type(exc).__name__}: {exc})",
                        hint=NOT_A_PLAN_HINT, location=Location(path)) from None
