"""The promotion picture (issue 22 part 3), pure: the Mermaid graph of ``status`` and of the
plan comment, and the HTML page: every state in words and symbols, user text escaped, the
size bounded, the saved plan carrying it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reconciler.budget import utf8_size
from reconciler.errors import StalePlan
from reconciler.output.markdown import render_markdown as render_plan_markdown
from reconciler.output.picture import MAX_NODES, html_page, mermaid, mermaid_text
from reconciler.output.saved import plan_from_data, plan_to_data
from reconciler.output.status import render_markdown
from reconciler.plan.model import Plan
from reconciler.plan.promotion import Cell, Matrix, Row

NASTY = 'Q3 "Launch" [beta] <b>x</b> & `co` #1;\n%% end ``` |'
ENVS = ("prod", "sandbox", "uat")        # config order is not promotion order
KINDS = {"sandbox": "sandbox", "uat": "preview", "prod": "production"}


def cell(state: str, *, declared: bool = True, version: int | None = 3,
         reason: str | None = None, at: str | None = "2026-12-01T10:00:00Z") -> Cell:
    return Cell(state, declared, version=version, at=at, reason=reason,
                outcome="FAILED" if state == "failed" else "INSTALLED",
                content=None if version is None else "c0ffee" * 10 + "beef")


def all_states() -> Matrix:
    none = Cell("none", False)
    rows = (
        Row("Campaign Launch", "p1", "ACTIVE", 3,
            {"sandbox": none, "uat": cell("installed"),
             "prod": cell("soaking", reason="soaking in uat: 3h 20m left of 4h")},
            "promotions/launch.yaml", 4),
        Row(NASTY, "p2", "TESTING", 1,
            {"sandbox": none, "uat": cell("installed", reason="pending"),
             "prod": cell("blocked", reason="a TESTING package cannot go to production")},
            "promotions/q3 <odd>.yaml", 1),
        Row("Offboarding", None, None, None,
            {"sandbox": none, "uat": cell("pending", reason="install_requested",
                                              version=None, at=None),
             "prod": cell("blocked", reason="after preview", version=None, at=None)},
            "promotions/off.yaml", 1),
        Row("Retry", "p4", "ACTIVE", 2,
            {"sandbox": none, "uat": cell("failed", reason="pending"),
             "prod": cell("running", declared=False)}, None, None),
    )
    return Matrix("acme", "current", ENVS, rows, KINDS)


def labels(block: str) -> list[str]:
    return re.findall(r'\["(.*?)"\]', block)


def test_the_graph_has_every_state_in_words_and_promotion_order() -> None:
    block = mermaid(all_states())
    assert block.startswith("```mermaid\nflowchart TB\n") and block.endswith("```\n")
    # boxes in promotion order (by kind), joined by arrows
    assert [m for m in re.findall(r'subgraph (e\d)\["([^"]*)"\]', block)] == [
        ("e0", "sandbox"), ("e1", "uat #183; preview"), ("e2", "prod #183; production")]
    assert "e0 --> e1" in block and "e1 --> e2" in block
    text = " ".join(labels(block))
    for words in ("installed c0ffeec0ffee", "pending", "blocked: a TESTING package cannot "
                  "go to production", "soaking in uat: 3h 20m left of 4h",
                  "failed (FAILED) c0ffeec0ffee", "running c0ffeec0ffee",
                  "next apply installs again"):
        assert mermaid_text(words) in text, words
    for state in ("installed", "pending", "blocked", "soaking", "failed", "running"):
        assert f":::{state}" in block and f"classDef {state} " in block
    # a package neither declared nor installed somewhere has no node there
    assert "p0e0" not in block and "p0e1" in block


def test_user_text_cannot_break_out_of_a_label_or_the_block() -> None:
    block = mermaid(all_states())
    assert block.count("```") == 2                 # the name's fence is only text
    for label in labels(block):
        assert not set(label.replace("<br/>", "")) & set('"[]<>&`\n|')
    nasty = mermaid_text(NASTY)
    assert nasty in block
    assert "#34;Launch#34; #91;beta#93; #60;b#62;x#60;/b#62; #38; #96;co#96; #35;1#59;" \
        in nasty
    assert "%%" not in block and "\n%" not in block
    # no line of the block but the fences starts like Markdown that could end it
    assert all(not line.startswith("```") for line in block.splitlines()[1:-1])


def test_many_packages_are_cut_by_whole_packages_within_the_budget() -> None:
    base = all_states().rows[0]
    rows = tuple(Row(f"Package {i:04d} " + "x" * 40, f"id{i}", "ACTIVE", 1, base.cells)
                 for i in range(2_000))
    matrix = Matrix("acme", "current", ENVS, rows, KINDS)
    for budget in (3_000, 12_000):
        block = mermaid(matrix, budget)
        assert utf8_size(block) <= budget
        drawn = {m for m in re.findall(r"\bp(\d+)e\d\[", block)}
        assert len(re.findall(r"\bp\d+e\d\[", block)) <= MAX_NODES
        assert drawn == {str(i) for i in range(len(drawn))}   # whole packages, in order
        assert f"#8230; {2_000 - len(drawn)} more package(s) not drawn" in block


def test_status_markdown_has_the_graph_and_the_table() -> None:
    text = render_markdown(all_states())
    assert text.index("```mermaid") < text.index("| PACKAGE |")
    assert "✓ installed" in text and "◔ soaking" in text
    assert NASTY.splitlines()[0] not in text     # the table escapes it too


def test_the_page_escapes_links_and_needs_no_network() -> None:
    page = html_page(all_states(), link_base="https://github.com/o/r/blob/abc")
    assert "<script" not in page.lower() and "<b>x</b>" not in page
    assert "Q3 &quot;Launch&quot; [beta] &lt;b&gt;x&lt;/b&gt; &amp; `co`" in page
    assert 'href="https://github.com/o/r/blob/abc/promotions/q3%20%3Codd%3E.yaml#L1"' in page
    assert "default-src 'none'" in page
    urls = set(re.findall(r"https?://[^\"' <]+", page))
    assert urls == {"https://github.com/o/r/blob/abc/promotions/launch.yaml#L4",
                    "https://github.com/o/r/blob/abc/promotions/q3%20%3Codd%3E.yaml#L1",
                    "https://github.com/o/r/blob/abc/promotions/off.yaml#L1"}
    # each state has its own symbol and border: it reads without colour
    for state, symbol in (("installed", "✓"), ("pending", "→"), ("blocked", "✕"),
                          ("soaking", "◔"), ("failed", "✗"), ("running", "…")):
        assert re.search(rf'<td class="s-{state}" data-state="{state}"><span class="sym" '
                         rf'aria-hidden="true">{symbol}</span>{state}', page), state
    borders = re.findall(r"\.s-(\w+)\{background:[^;]+;border-style:(\w+)\}", page)
    assert len({b for s, b in borders if s in ("installed", "pending", "blocked",
                                               "soaking")}) == 4
    # without a link base, the file relative to the page, no line anchor
    assert 'href="promotions/launch.yaml"' in html_page(all_states())


def test_a_saved_plan_carries_its_picture_and_the_comment_draws_it() -> None:
    plan = Plan((), "acme", "current", "0" * 64, picture=all_states())
    data = json.loads(json.dumps(plan_to_data(plan)))
    assert data["format_version"] == "1.6"
    again = plan_from_data(data)
    assert again.picture == all_states()
    comment = render_plan_markdown(again, budget=60_000)
    assert "**Promotion:**" in comment and comment.count("```mermaid") == 1
    assert "blocked: a TESTING package" in comment
    small = render_plan_markdown(again, budget=4_000)  # a quarter of it is too little
    assert "```mermaid" not in small and utf8_size(small) <= 4_000
    broken = dict(data, picture={"owner": "a", "profile": "b", "environments": ["e"],
                                 "packages": [{"name": "x", "cells": {"e": {"nope": 1}}}]})
    with pytest.raises(StalePlan, match="picture is malformed"):
        plan_from_data(broken)


def test_no_picture_when_nothing_is_declared_anywhere(tmp_path: Path) -> None:
    matrix = Matrix("acme", "current", ENVS,
                    (Row("Lonely", None, None, None, {e: Cell("none", False) for e in ENVS}),),
                    KINDS)
    plan = Plan((), "acme", "current", "0" * 64, picture=matrix)
    assert "mermaid" not in render_plan_markdown(plan)


def test_the_saved_picture_leaves_out_empty_cells() -> None:
    data = plan_to_data(Plan((), "acme", "current", "0" * 64, picture=all_states()))
    cells = [p["cells"] for p in data["picture"]["packages"]]
    assert all("sandbox" not in c for c in cells) and all("uat" in c for c in cells)
    assert plan_from_data(json.loads(json.dumps(data))).picture == all_states()
