"""The saved plan: a versioned JSON document (``schemas/plan.schema.json``) and back."""

from __future__ import annotations

from typing import Any

from reconciler.errors import StalePlan
from reconciler.plan.model import (
    FORMAT_VERSION,
    Action,
    ActionKind,
    FieldDiff,
    Plan,
    Reason,
    ReplaceStrategy,
)


def summary(plan: Plan) -> dict[str, int]:
    counts = plan.counts()
    counts["unchanged"] = sum(1 for a in plan.actions if not a.changes_remote)
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
        "timings": {k: round(v, 6) for k, v in plan.timings.items()},
    }


def plan_from_data(data: dict[str, Any]) -> Plan:
    """Rebuild a plan saved by ``plan --out``; refuses other major format versions and
    documents that do not follow ``schemas/plan.schema.json``."""
    if not isinstance(data, dict):
        raise StalePlan("the saved plan is not a JSON object",
                        hint="make a new plan: wfpromote plan --out plan.json")
    version = str(data.get("format_version", ""))
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise StalePlan(
            f"the saved plan has format version {version or 'unknown'}; this wfpromote "
            f"reads {FORMAT_VERSION}", hint="make a new plan with this version: wfpromote plan")
    _check_schema(data)
    return Plan(
        actions=tuple(_action(item) for item in data.get("actions", [])),
        owner=str(data["owner"]), profile=str(data["profile"]),
        desired_digest=str(data.get("desired_digest", "")),
        paths=tuple(str(p) for p in data.get("paths") or ()),
        remote_fingerprints={str(k): str(v)
                             for k, v in data.get("remote_fingerprints", {}).items()},
        warnings=tuple(str(w) for w in data.get("warnings", [])),
        timings={str(k): float(v) for k, v in data.get("timings", {}).items()})


def _check_schema(data: dict[str, Any]) -> None:
    from reconciler.schemas import validator

    error = next(iter(validator("plan").iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise StalePlan(f"the saved plan is not a valid wfpromote plan (at {where})",
                        hint="make a new plan: wfpromote plan --out plan.json")


def _action(item: dict[str, Any]) -> Action:
    strategy = item.get("strategy")
    return Action(
        kind=ActionKind(item["action"]), name=str(item["name"]), reason=Reason(item["reason"]),
        package_id=item.get("package_id"), after=item.get("after"), before=item.get("before"),
        diffs=tuple(FieldDiff(d["path"], d.get("old"), d.get("new"))
                    for d in item.get("diffs", [])),
        strategy=ReplaceStrategy(strategy) if strategy else None,
        source_env=item.get("source_env"), environment=item.get("environment"),
        desired_status=item.get("desired_status"), origin=item.get("origin"),
        successor_id=item.get("successor_id"))
