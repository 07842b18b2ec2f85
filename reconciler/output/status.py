"""``wfpromote status`` as text, JSON, Markdown (a Mermaid picture and a table) or one HTML
page: the promotion matrix."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from reconciler.console import printable
from reconciler.output.markdown import escape_html
from reconciler.plan.promotion import Matrix


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
    from reconciler.output.picture import legend_markdown, mermaid

    header, rows = _rows(matrix)
    lines = ["### wfpromote status", "", mermaid(matrix).rstrip("\n"), "",
             escape_html(legend_markdown()), "",
             "| " + " | ".join(escape_html(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape_html(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_html(matrix: Matrix, link_base: str | None = None) -> str:
    from reconciler.output.picture import html_page

    return html_page(matrix, link_base=link_base)


def render_text(matrix: Matrix) -> str:
    header, rows = _rows(matrix)
    table = [header] + [[printable(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    out = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in table]
    if not matrix.rows:
        out.append("(no packages declared)")
    return "\n".join(out) + "\n"


RENDERERS: Mapping[str, Callable[[Matrix], str]] = {
    "text": render_text, "json": render_json, "markdown": render_markdown,
    "html": render_html}
