"""Terminal rendering: Terraform-like symbols, one block per changed package, summary last.

Symbols: ``+`` create, ``~`` update, ``-/+`` replace, ``~`` with "disable" for disable (it is
a PATCH of the status), ``-`` delete, ``>`` install. Colour only when the caller asks.
"""

from __future__ import annotations

from reconciler.console import printable
from reconciler.plan.describe import SYMBOLS, details, headline, summary_line
from reconciler.plan.model import ActionKind, Plan

_COLOURS = {"+": "32", "-": "31", "~": "33", "-/+": "35", ">": "36"}


def _paint(text: str, sign: str, color: bool) -> str:
    code = _COLOURS.get(sign.strip())
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def render_text(plan: Plan, *, color: bool = False) -> str:
    out: list[str] = []
    changes = plan.changes
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
    unchanged = sum(1 for a in plan.actions if a.kind is ActionKind.NOOP)
    if unchanged:
        out.append(f"{unchanged} package(s) unchanged.")
    for warning in plan.warnings:
        out.append(_paint(f"Warning: {printable(warning)}", "~", color))
    if unchanged or plan.warnings:
        out.append("")
    out.append(summary_line(plan))
    return "\n".join(out) + "\n"
