"""Markdown for pull-request comments, within a size budget in UTF-8 bytes.

A summary table, then one collapsible ``<details>`` per changed package holding a fenced
``diff`` block. When the whole does not fit, package sections are dropped from the end as a
whole (never a fence or a ``<details>`` cut in half) and a note says how many were left out.
User text is escaped: HTML entities in the ``<summary>``. Inside a fenced code block text is
shown as it is (``<``, ``&`` and backticks are literal there, never a tag); the fence is
longer than any run of backticks in the block, so no text can close it.
"""

from __future__ import annotations

import re

from reconciler.budget import COMMENT_BUDGET, utf8_size
from reconciler.output.describe import (
    PRERUN_COLUMNS,
    SYMBOLS,
    Detail,
    details,
    headline,
    prerun_rows,
    prerun_summary,
    scope_note,
    summary_line,
)
from reconciler.output.saved import summary
from reconciler.plan.model import Action, Plan

MIN_BUDGET = 1_024
MAX_SECTION_LINES = 60
MAX_LINE_CHARS = 400
DEFAULT_FULL_PLAN_HINT = "run wfpromote plan, or open the JSON plan saved by this run"

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;",
         "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "|": "&#124;", "~": "&#126;",
         "\\": "&#92;", "#": "&#35;", "!": "&#33;", "\n": " ", "\r": " "}
# A carriage return would end the line in some renderers: shown as an escape.
_CODE = {"\r": "\\r"}
_TICKS = re.compile(r"`+")


def escape_html(text: str) -> str:
    return "".join(_HTML.get(ch, ch) for ch in text)


def escape_code(text: str) -> str:
    return "".join(_CODE.get(ch, ch) for ch in text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(action: Action) -> str:
    symbol = SYMBOLS[action.kind]
    title = (f"<code>{escape_html(symbol)}</code> <b>{escape_html(_clip(action.name, 200))}</b>"
             f" {escape_html(headline(action))}")
    if action.origin:
        # Keep the end of a long path: the line number is what a reviewer jumps to.
        where = action.origin if len(action.origin) <= 200 else "…" + action.origin[-199:]
        title += f" at <code>{escape_html(where)}</code>"
    lines = [line for detail in details(action) for line in _diff_lines(detail)]
    if action.package_id:
        lines.insert(0, f"  id: {escape_code(action.package_id)}")
    if len(lines) > MAX_SECTION_LINES:
        left = len(lines) - MAX_SECTION_LINES + 1
        lines = [*lines[: MAX_SECTION_LINES - 1], f"  ... {left} more line(s) in the full plan"]
    body = "\n".join(lines)
    fence = "`" * max(3, 1 + max((len(run) for run in _TICKS.findall(body)), default=0))
    return (f"<details><summary>{title}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n"
            "</details>\n")


def _diff_lines(detail: Detail) -> list[str]:
    """A change becomes a removed and an added line, so the diff highlighting shows both."""
    label = escape_code(_clip(detail.label, 200))
    out = []
    if detail.sign in "~-" and (detail.old is not None or detail.sign == "-"):
        old = "" if detail.old is None else f": {escape_code(_clip(detail.old, MAX_LINE_CHARS))}"
        out.append(f"- {label}{old}")
    if detail.sign in "~+":
        new = "" if detail.new is None else f": {escape_code(_clip(detail.new, MAX_LINE_CHARS))}"
        out.append(f"+ {label}{new}")
    return out


def _header(plan: Plan, budget: int) -> str:
    counts = summary(plan)
    kinds = ("create", "update", "replace", *(("rollback",) if counts.get("rollback") else ()),
             "disable", "delete", "install", "unchanged")
    table = ("| " + " | ".join(k.capitalize() for k in kinds) + " |\n"
             + "|" + "---:|" * len(kinds) + "\n"
             + "| " + " | ".join(str(counts[k]) for k in kinds) + " |\n")
    verdict = ""
    if plan.verdict is not None:  # first thing a reviewer reads
        kind = "CAUTION" if plan.verdict.refused else "WARNING"
        verdict = f"> [!{kind}]\n> **{escape_html(plan.verdict.headline())}**\n\n"
    head = (f"### wfpromote plan\n\n{verdict}"
            f"Owner <code>{escape_html(_clip(plan.owner, 100))}</code>, "
            f"API profile <code>{escape_html(_clip(plan.profile, 40))}</code>\n\n{table}\n")
    note = scope_note(plan)
    warnings = (*plan.warnings, *((note,) if note else ()))
    shown = 0
    for warning in warnings:
        line = f"> **Warning:** {escape_html(_clip(warning, 300))}\n"
        if utf8_size(head + line) > budget // 4:
            break
        head += line
        shown += 1
    if shown < len(warnings):
        head += f"> {len(warnings) - shown} more warning(s) in the full plan.\n"
    return head + ("\n" if warnings else "")


def render_markdown(plan: Plan, *, budget: int = COMMENT_BUDGET,
                    full_plan_hint: str = DEFAULT_FULL_PLAN_HINT) -> str:
    if budget < MIN_BUDGET:
        raise ValueError(f"a Markdown budget below {MIN_BUDGET} bytes cannot hold a summary")
    header = _header(plan, budget) + _picture(plan, budget)
    footer = _prerun(plan) + f"\n**{summary_line(plan)}**\n"
    sections = [_section(action) for action in plan.changes]
    if utf8_size(header) + sum(map(utf8_size, sections)) + utf8_size(footer) <= budget:
        return header + "".join(sections) + footer
    hint = escape_html(_clip(full_plan_hint, 200))
    note_room = utf8_size(_note(len(sections), len(sections), hint))
    room = budget - utf8_size(header) - utf8_size(footer) - note_room
    kept: list[str] = []
    for section in sections:
        if utf8_size(section) > room:
            break
        kept.append(section)
        room -= utf8_size(section)
    note = _note(len(sections) - len(kept), len(sections), hint)
    return header + "".join(kept) + note + footer


MAX_PRERUN_NAMES = 20
MIN_PICTURE_BUDGET = 2_000


def _picture(plan: Plan, budget: int) -> str:
    """The promotion graph (a quarter of the budget at most), when the plan has a picture
    and any package is declared or installed in an environment."""
    from reconciler.output.picture import MERMAID_BUDGET, legend_markdown, mermaid

    picture = plan.picture
    if picture is None or not any(c.declared or c.state != "none"
                                  for r in picture.rows for c in r.cells.values()):
        return ""
    room = min(MERMAID_BUDGET, budget // 4)
    if room < MIN_PICTURE_BUDGET:
        return ""
    return (f"**Promotion:** each package in each environment\n\n"
            f"{mermaid(picture, room - 200)}\n{escape_html(legend_markdown())}\n\n")


def _prerun(plan: Plan) -> str:
    """``plan --prerun``: one table folded in <details>, names clipped to a few per cell."""
    if not plan.previews:
        return ""
    head = ("| Package | Environment | " + " | ".join(PRERUN_COLUMNS) + " |\n"
            + "|---|---|" + "---:|" * len(PRERUN_COLUMNS) + "\n")
    rows = []
    for (name, env, counts, error), preview in zip(prerun_rows(plan), plan.previews,
                                                   strict=True):
        cells = [escape_html(_clip(name, 100)), escape_html(_clip(env, 40)), *counts]
        rows.append("| " + " | ".join(cells) + " |\n")
        if error:
            rows.append(f"| ↳ {escape_html(_clip(error, 300))} | | | | | |\n")
            continue
        for action, labels in preview.records.items():
            shown = ", ".join(labels[:MAX_PRERUN_NAMES])
            more = f" (+{len(labels) - MAX_PRERUN_NAMES} more)" \
                if len(labels) > MAX_PRERUN_NAMES else ""
            rows.append(f"| ↳ {escape_html(action)}: {escape_html(_clip(shown, 300))}{more}"
                        " | | | | | |\n")
    return (f"\n<details><summary>Pre-run: {escape_html(prerun_summary(plan))}</summary>\n\n"
            + head + "".join(rows) + "\n</details>\n")


def _note(left_out: int, total: int, hint: str) -> str:
    return (f"\n_{left_out} of {total} package section(s) left out to fit the comment size "
            f"limit; for the full plan, {hint}._\n")

