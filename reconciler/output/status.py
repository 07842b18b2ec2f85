"""``wfpromote status`` as text, JSON or Markdown: the promotion matrix as a table."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from reconciler.console import printable
from reconciler.output.markdown import escape_html
from reconciler.plan.matrix import Matrix


def _rows(matrix: Matrix) -> tuple[list[str], list[list[str]]]:
    header = ["PACKAGE", "STATUS", *matrix.environments]
    rows = [[r.name, r.status or "(not created)",
             *(r.cells[e].text() + ("" if r.cells[e].declared or r.cells[e].state == "none"
                                    else " (not declared)") for e in matrix.environments)]
            for r in matrix.rows]
    return header, rows


def render_json(matrix: Matrix) -> str:
    return json.dumps(matrix.data(), indent=2, ensure_ascii=False) + "\n"


def render_markdown(matrix: Matrix) -> str:
    header, rows = _rows(matrix)
    lines = ["### wfpromote status", "",
             "| " + " | ".join(escape_html(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape_html(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_text(matrix: Matrix) -> str:
    header, rows = _rows(matrix)
    table = [header] + [[printable(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    out = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in table]
    if not matrix.rows:
        out.append("(no packages declared)")
    return "\n".join(out) + "\n"


RENDERERS: Mapping[str, Callable[[Matrix], str]] = {
    "text": render_text, "json": render_json, "markdown": render_markdown}
