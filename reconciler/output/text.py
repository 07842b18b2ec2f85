"""Terminal rendering: Terraform-like symbols, one block per changed package, summary last.

Symbols: ``+`` create, ``~`` update, ``-/+`` replace, ``~`` with "disable" for disable (it is
a PATCH of the status), ``-`` delete, ``>`` install. Colour only when the caller asks.
"""

from __future__ import annotations

from reconciler.console import printable
from reconciler.output.describe import (
    PRERUN_COLUMNS,
    SYMBOLS,
    details,
    headline,
    prerun_rows,
    scope_note,
    summary_line,
)
from reconciler.plan.model import ActionKind, Plan

_COLOURS = {"+": "32", "-": "31", "~": "33", "-/+": "35", ">": "36"}


def _paint(text: str, sign: str, color: bool) -> str:
    code = _COLOURS.get(sign.strip())
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def prerun_text(plan: Plan) -> list[str]:
    """The ``--prerun`` table, then the names per action; empty without ``--prerun``."""
    if not plan.previews:
        return []
    header = ("PACKAGE", "ENVIRONMENT", *PRERUN_COLUMNS)
    rows = [header] + [(printable(n), printable(e), *c) for n, e, c, _ in prerun_rows(plan)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    out = ["Pre-run (translation maps after `existing` and the overrides):", ""]
    out += ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip()
            for r in rows]
    for preview in plan.previews:
        where = f"{printable(preview.name)} -> {printable(preview.environment)}"
        if preview.error:
            out.append(f"  {where}: {printable(preview.error)}")
            continue
        for action, labels in preview.records.items():
            out.append(f"  {where} {action}: {printable(', '.join(labels))}")
    return [*out, ""]


def render_text(plan: Plan, *, color: bool = False) -> str:
    out: list[str] = []
    changes = plan.changes
    if plan.verdict is not None:
        sign = "-" if plan.verdict.refused else "~"
        out.append(_paint(printable(plan.verdict.headline()), sign, color))
        out.append("")
    if changes:
        out.append(f"wfpromote will make these changes (owner {plan.owner}, "
                   f"API profile {plan.profile}):")
        out.append("")
    for action in changes:
        symbol = SYMBOLS[action.kind]
        where = f"  id {action.package_id}" if action.package_id else ""
        origin = f"  [{printable(action.origin)}]" if action.origin else ""
        out.append(_paint(f"  {symbol} {printable(action.name)}", symbol, color)
                   + f"  {headline(action)}{where}{origin}")
        for detail in details(action):
            line = printable(f"{detail.sign} {detail.text()}")
            out.append("      " + _paint(line, detail.sign, color))
        out.append("")
    out.extend(prerun_text(plan))
    unchanged = sum(1 for a in plan.actions if a.kind is ActionKind.NOOP)
    if unchanged:
        out.append(f"{unchanged} package(s) unchanged.")
    note = scope_note(plan)
    for warning in (*plan.warnings, *((note,) if note else ())):
        out.append(_paint(f"Warning: {printable(warning)}", "~", color))
    if unchanged or plan.warnings or note:
        out.append("")
    out.append(summary_line(plan))
    return "\n".join(out) + "\n"
