"""A picture of the promotion: the matrix of ``status`` (or a plan's picture) as a Mermaid
graph for Markdown (GitHub and GitLab draw it) and as one self-contained HTML page.

The graph: one box per environment, in promotion order (sandbox, preview, production, as
the config's kinds say; config order within a kind), top to bottom, joined by arrows; inside
each box one node per package that is declared or installed there, with its state in words
and a symbol (colour only adds to them), COLUMNS to a row (invisible ``~~~`` links wrap
them, so many packages make a taller picture, not one too wide to read). User text never
reaches Mermaid's syntax: node ids are made up here, every label character outside a small
safe set is written as a Mermaid entity code (``#34;``), so quotes, brackets, ``<``, ``&``,
backticks and newlines stay text. The graph is cut by whole packages to a byte budget, with
a last node saying how many were left out.

The page: no script, no network (a Content-Security-Policy forbids both), inline CSS, every
text HTML-escaped; states read in grey too (symbol, word, border style).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from reconciler.budget import utf8_size
from reconciler.plan.promotion import Cell, Matrix, Row, short

KIND_ORDER = {"sandbox": 0, "preview": 1, "production": 2}
MERMAID_BUDGET = 12_000        # bytes of one graph: well under the comment's 65,536
MAX_NODES = 120                # GitHub's Mermaid gets slow and cramped beyond this
MAX_LABEL = 60                 # characters of a name or a reason in a node
COLUMNS = 4                    # nodes side by side in an environment's box, then a new row


@dataclass(frozen=True)
class Look:
    symbol: str
    css: str        # background of the page's cell and the graph's node
    border: str     # CSS border style: tells states apart in grey


LOOKS: Mapping[str, Look] = {
    "installed": Look("✓", "#cfe8d5", "solid"),
    "pending": Look("→", "#fff1b8", "dashed"),
    "blocked": Look("✕", "#f6c6c6", "double"),
    "soaking": Look("◔", "#d4e4fa", "dotted"),
    "failed": Look("✗", "#e8a0a0", "solid"),
    "running": Look("…", "#e6e6e6", "dashed"),
    "none": Look("–", "#ffffff", "none"),
}
STATES_SHOWN = ("installed", "pending", "blocked", "soaking", "failed", "running")


def ordered_environments(matrix: Matrix) -> list[str]:
    """Promotion order: by kind (sandbox, preview, production), config order within one."""
    position = {env: i for i, env in enumerate(matrix.environments)}
    return sorted(matrix.environments,
                  key=lambda e: (KIND_ORDER.get(matrix.kinds.get(e, ""), 1), position[e]))


def words(cell: Cell) -> str:
    """What a cell says, short: ``installed 239a26dd465e``, ``blocked: why``, ``soaking in
    preview: 3h left of 4h``. An installation is named by the content it holds, as in the
    table: the API's version reads 1 for every package under current."""
    version = f" {short(cell.content)}" if cell.content else ""
    if cell.state == "installed":
        return f"installed{version}" + (", next apply installs again"
                                        if cell.reason == "pending" else "")
    if cell.state in ("failed", "running"):
        failed = f"failed ({cell.outcome})" if cell.state == "failed" and cell.outcome \
            else cell.state
        return failed + version + (", next apply retries" if cell.reason == "pending" else "")
    if cell.state == "soaking":      # the reason says it: "soaking in preview: 3h left of 4h"
        return cell.reason or "soaking"
    if cell.state == "blocked":
        return f"blocked: {cell.reason}" if cell.reason else "blocked"
    if cell.state == "pending":
        return "pending"
    return "not declared"


def _clip(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------- Mermaid

_SAFE = frozenset(" .,:-_/()+=@")


def mermaid_text(text: str) -> str:
    """``text`` for inside a quoted Mermaid label: letters, digits and a few marks as they
    are, everything else as an entity code, so nothing can end the label or the block."""
    return "".join(ch if (ch.isalnum() and ch.isprintable()) or ch in _SAFE
                   else f"#{ord(ch)};" for ch in text)


def _node_label(row: Row, cell: Cell) -> str:
    look = LOOKS.get(cell.state, LOOKS["none"])
    return (f"{mermaid_text(look.symbol)} {mermaid_text(_clip(row.name))}<br/>"
            f"{mermaid_text(_clip(words(cell), 2 * MAX_LABEL))}")


def _shown(cell: Cell) -> bool:
    return cell.state != "none" or cell.declared


def mermaid(matrix: Matrix, budget: int = MERMAID_BUDGET) -> str:
    """A fenced ``mermaid`` block of at most ``budget`` UTF-8 bytes (whole packages cut)."""
    envs = ordered_environments(matrix)
    head = ["```mermaid", "flowchart TB"]
    head += [f"  classDef {state} fill:{look.css},stroke:#333,stroke-width:1px,color:#000"
             + ("" if look.border in ("solid", "none") else ",stroke-dasharray:4 3")
             for state, look in LOOKS.items()]
    groups: dict[str, list[str]] = {env: [] for env in envs}
    nodes = 0
    used = utf8_size("\n".join(head)) + 400 + 120 * len(envs)   # boxes, arrows, the note
    per_node = 24                                               # its invisible row link
    left_out = 0
    for index, row in enumerate(matrix.rows):
        lines = [(env, f'    p{index}e{envs.index(env)}["{_node_label(row, row.cells[env])}"]'
                       f":::{row.cells[env].state if row.cells[env].state in LOOKS else 'none'}")
                 for env in envs if env in row.cells and _shown(row.cells[env])]
        size = sum(utf8_size(line) + 1 + per_node for _, line in lines)
        if left_out or used + size > budget or nodes + len(lines) > MAX_NODES:
            left_out += 1
            continue
        used += size
        nodes += len(lines)
        for env, line in lines:
            groups[env].append(line)
    body = []
    for number, env in enumerate(envs):
        kind = matrix.kinds.get(env)
        title = mermaid_text(_clip(env)) + (f" #183; {mermaid_text(kind)}"
                                            if kind and kind != env else "")
        body.append(f'  subgraph e{number}["{title}"]')
        body.append("    direction TB")
        body += groups[env] or [f'    empty{number}["(no package)"]:::none']
        ids = [line.split("[", 1)[0].strip() for line in groups[env]]
        body += [f"    {ids[k - COLUMNS]} ~~~ {ids[k]}" for k in range(COLUMNS, len(ids))]
        body.append("  end")
    body += [f"  e{i} --> e{i + 1}" for i in range(len(envs) - 1)]
    if left_out:
        body.append(f'  more["#8230; {left_out} more package(s) not drawn: see the table"]'
                    ":::none")
    if not matrix.rows:
        body.append('  nothing["(no packages declared)"]:::none')
    return "\n".join(head + body + ["```"]) + "\n"


def legend_markdown() -> str:
    return " · ".join(f"{LOOKS[s].symbol} {s}" for s in STATES_SHOWN)


# ---------------------------------------------------------------------------- HTML

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;
color:#111;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}
p.meta{margin:0 0 1rem;color:#333}
table{border-collapse:separate;border-spacing:4px}
th,td{padding:.45rem .6rem;text-align:left;vertical-align:top}
thead th{background:#222;color:#fff}
tbody th{background:#f3f3f3;font-weight:600}
td{border:2px solid #555;min-width:10rem}
td .sym{font-weight:700;margin-right:.3rem}
td small{display:block;color:#333}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
ul.legend li{border:2px solid #555;padding:.2rem .5rem}
a{color:#0645ad}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
@media print{body{margin:0}}
"""


def _state_css() -> str:
    return "".join(f".s-{state}{{background:{look.css};border-style:{look.border}}}"
                   + (f".s-{state}{{border-color:#ccc}}" if look.border == "none" else "")
                   for state, look in LOOKS.items()).replace("border-style:none",
                                                             "border-style:solid")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _href(row: Row, link_base: str | None) -> str | None:
    if not row.file:
        return None
    path = quote(row.file.replace("\\", "/"), safe="/")
    anchor = f"#L{row.line}" if link_base and row.line else ""
    return f"{(link_base or '').rstrip('/') + '/' if link_base else ''}{path}{anchor}"


def _cell_html(cell: Cell) -> str:
    state = cell.state if cell.state in LOOKS else "none"
    look = LOOKS[state]
    when = f"<small>{_e(cell.at)}</small>" if cell.at else ""
    extra = "" if cell.declared or cell.state == "none" else "<small>(not declared)</small>"
    return (f'<td class="s-{state}" data-state="{_e(state)}">'
            f'<span class="sym" aria-hidden="true">{_e(look.symbol)}</span>'
            f"{_e(words(cell))}{when}{extra}</td>")


def html_page(matrix: Matrix, *, link_base: str | None = None,
              title: str = "wfpromote status") -> str:
    """One self-contained page: the promotion matrix, a legend, no script, no network."""
    envs = ordered_environments(matrix)
    head_cells = "".join(
        f'<th scope="col">{_e(env)}'
        + (f"<br><small>{_e(matrix.kinds[env])}</small>"
           if matrix.kinds.get(env, env) != env else "")
        + "</th>" for env in envs)
    rows = []
    for row in matrix.rows:
        href = _href(row, link_base)
        name = f'<a href="{_e(href)}">{_e(row.name)}</a>' if href else _e(row.name)
        status = _e(row.status or "not created")
        cells = "".join(_cell_html(row.cells[env]) if env in row.cells else "<td></td>"
                        for env in envs)
        rows.append(f'<tr><th scope="row">{name}<small> {status}</small></th>'
                    f"{cells}</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{len(envs) + 1}">(no packages declared)</td></tr>')
    legend = "".join(f'<li class="s-{s}"><span class="sym" aria-hidden="true">'
                     f"{_e(LOOKS[s].symbol)}</span>{_e(s)}</li>" for s in STATES_SHOWN)
    flow = " → ".join(_e(env) for env in envs)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<link rel=\"icon\" href=\"data:,\">\n"
        f"<title>{_e(title)}: {_e(matrix.owner)}</title>\n"
        f"<style>{_CSS}{_state_css()}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n"
        f'<p class="meta">Owner <code>{_e(matrix.owner)}</code> · API profile '
        f"<code>{_e(matrix.profile)}</code> · promotion {flow}</p>\n"
        f'<ul class="legend" aria-label="legend">{legend}</ul>\n'
        f'<table>\n<thead><tr><th scope="col">package</th>{head_cells}</tr></thead>\n'
        f"<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</body>\n</html>\n")

