"""Saved plans on disk: recognised by content, read back, or refused with one message."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.errors import Location, StalePlan, WfpromoteError
from reconciler.plan.model import Plan

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
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
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
    from reconciler.plan.serialize import plan_from_data

    try:
        return plan_from_data(data)
    except StalePlan as exc:  # name the file: the message alone does not say which
        if exc.location is not None:
            raise
        raise type(exc)(exc.message, hint=exc.hint, location=Location(path)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise StalePlan(f"not a valid saved plan ({type(exc).__name__}: {exc})",
                        hint=NOT_A_PLAN_HINT, location=Location(path)) from None
