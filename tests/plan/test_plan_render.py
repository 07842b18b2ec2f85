"""Renderers: text symbols and summary line, colour, Markdown budget, JSON and its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from plan_factories import LEGACY, remote_of, settings, spec

from reconciler.output.as_json import render_json
from reconciler.output.markdown import MIN_BUDGET, render_markdown
from reconciler.output.saved import plan_from_data, plan_to_data
from reconciler.output.text import render_text
from reconciler.plan.changes import (
    Change,
    Create,
    Delete,
    Disable,
    Install,
    NoOp,
    PackageBody,
    RemoteState,
    Replace,
    ReplaceStrategy,
    Update,
)
from reconciler.plan.model import Action, ActionKind, FieldDiff, Plan, Reason
from reconciler.plan.planner import plan

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())


def mixed_plan(**overrides: object) -> Plan:
    """Two creates, one update, one replace, one disable."""
    changed = spec("Changed", description="new")
    old = spec("Replaced", entities=("Campaign Launch",))
    new = spec("Replaced", entities=("New Agency Onboarding",), status="ACTIVE")
    same = spec("Same")
    remote = [remote_of(changed, description="old"), remote_of(old), remote_of(same),
              remote_of(spec("Gone"))]
    return plan([spec("New one"), spec("New two"), changed, new, same], remote,
                settings(**overrides))


def test_text_symbols_and_summary_line() -> None:
    text = render_text(mixed_plan())
    lines = text.splitlines()
    assert lines[-1] == "Plan: 2 to create, 1 to update, 1 to replace, 1 to disable, " \
                        "0 to delete."
    assert "  + New one  create (missing)" in lines
    assert any(line.startswith("  ~ Changed  update (fields_changed)") for line in lines)
    assert any(line.startswith("  -/+ Replaced  replace (content_changed, strategy "
                               "create_then_disable)") for line in lines)
    assert any(line.startswith("  ~ Gone  disable (not_declared)") for line in lines)
    assert '      ~ description: "old" -> "new"' in lines
    assert "1 package(s) unchanged." in lines
    assert "\x1b[" not in text


def test_text_delete_symbol_and_put_strategy() -> None:
    p = plan([spec("Keep")], [remote_of(spec("Keep")), remote_of(spec("Gone"))],
             settings(prune="delete", capabilities=LEGACY))
    assert "  - Gone  delete (not_declared)" in render_text(p)


def test_text_no_changes() -> None:
    s = spec("Same")
    assert render_text(plan([s], [remote_of(s)], settings())).splitlines()[-1] == "No changes."


def test_colour_only_when_asked() -> None:
    assert "\x1b[32m" in render_text(mixed_plan(), color=True)


def test_text_keeps_control_characters_off_the_terminal() -> None:
    text = render_text(plan([spec("evil\x1b[2Jname")], [], settings()))
    assert "\x1b" not in text and "evil\\x1b[2Jname" in text


def test_json_round_trip_and_schema() -> None:
    p = mixed_plan(targets=("*",), desired_digest="f" * 64)
    data = json.loads(render_json(p))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["format_version"] == "1.6"
    assert data["summary"] == {"create": 2, "update": 1, "replace": 1, "disable": 1,
                               "delete": 0, "install": 0, "blocked": 0, "unchanged": 1}
    assert plan_from_data(data) == p
    assert plan_to_data(plan_from_data(data)) == data


def test_markdown_escapes_user_text() -> None:
    p = plan([spec("<details>`x` | *y*", description="```\n</details><script>")], [],
             settings())
    md = render_markdown(p)
    html = MarkdownIt("commonmark").render(md)  # what a forge shows, raw HTML allowed
    assert "<script>" not in html and "&lt;script&gt;" in html  # shown, never run
    assert html.count("<details>") == html.count("</details>") == 1
    assert html.count("<pre>") == 1 and "```" in html  # the fence holds: the text is code


def test_markdown_budget_drops_whole_sections_with_a_note() -> None:
    specs = [spec(f"Package {i:03d}", description="x" * 300) for i in range(200)]
    p = plan(specs, [], settings())
    md = render_markdown(p, budget=10_000)
    assert len(md.encode()) <= 10_000
    assert md.count("<details>") == md.count("</details>") > 0
    kept = md.count("<details>")
    assert f"{200 - kept} of 200 package section(s) left out" in md
    assert md.rstrip().endswith("**Plan: 200 to create, 0 to update, 0 to replace, "
                                "0 to disable, 0 to delete.**")


def test_markdown_refuses_tiny_budget() -> None:
    with pytest.raises(ValueError):
        render_markdown(mixed_plan(), budget=MIN_BUDGET - 1)


def test_no_secret_in_any_rendering(canary: str) -> None:
    from reconciler import redact

    redact.register(canary)
    p = mixed_plan()
    for text in (render_text(p), render_json(p), render_markdown(p)):
        assert canary not in text


names = st.text(min_size=1, max_size=60)
def _change(kind: ActionKind, after: dict[str, Any]) -> Change:
    """A change of ``kind`` carrying ``after``'s name, description and collections."""
    body = PackageBody(after["name"], after["description"], "https://acme.sb01.workfront.com",
                       collections=tuple(after["objectCollections"]))
    before = RemoteState("0" * 32, after["name"], after["description"], "ACTIVE")
    changes: dict[ActionKind, Change] = {
        ActionKind.CREATE: Create(body), ActionKind.UPDATE: Update(before, name=body.name),
        ActionKind.REPLACE: Replace(before, body, ReplaceStrategy.PUT),
        ActionKind.DISABLE: Disable(before), ActionKind.DELETE: Delete(before),
        ActionKind.INSTALL: Install("sandbox"), ActionKind.NOOP: NoOp(before)}
    return changes[kind]


kinds = st.sampled_from([ActionKind.CREATE, ActionKind.UPDATE, ActionKind.DISABLE,
                         ActionKind.DELETE, ActionKind.NOOP])


@st.composite
def random_plans(draw: st.DrawFn) -> Plan:
    actions = []
    for name in draw(st.lists(names, max_size=40)):
        kind = draw(kinds)
        diffs = tuple(FieldDiff(draw(st.sampled_from(["description", "status"])),
                                draw(st.text(max_size=300)), draw(st.text(max_size=300)))
                      for _ in range(draw(st.integers(0, 3))))
        after = {"name": name, "description": draw(st.text(max_size=2000)),
                 "objectCollections": [{"objCode": draw(st.text(max_size=8)), "entities": [
                     {"ID": "a" * 32, "name": draw(st.text(max_size=50))}
                     for _ in range(draw(st.integers(0, 80)))]}]}
        actions.append(Action(name=name, reason=Reason.MISSING, change=_change(kind, after),
                              package_id=draw(st.none() | st.text(max_size=40)),
                              diffs=diffs))
    return Plan(actions=tuple(actions), owner=draw(names), profile="current",
                desired_digest="", warnings=tuple(draw(st.lists(st.text(max_size=400),
                                                                  max_size=5))))


def fences_closed(md: str) -> bool:
    """Every code fence is closed, as CommonMark reads them: a fence opened by N backticks
    closes only on a line of at least N backticks and nothing else (a diff block holding
    backticks is fenced by a longer run)."""
    opened = 0
    for line in md.splitlines():
        run = len(line) - len(line.lstrip("`"))
        if run < 3:
            continue
        if not opened:
            opened = run
        elif run >= opened and not line.strip("`").strip():
            opened = 0
    return opened == 0


def test_fences_closed_reads_longer_fences() -> None:
    assert fences_closed("````diff\n  id: ```\n````\n")
    assert not fences_closed("````diff\n  id: ```\n```\n")
    assert not fences_closed("```diff\n+ a\n")


@hsettings(max_examples=120, deadline=None)
@given(p=random_plans(), budget=st.integers(MIN_BUDGET, 70_000))
def test_markdown_budget_property(p: Plan, budget: int) -> None:
    md = render_markdown(p, budget=budget)
    raw = md.encode("utf-8")
    assert len(raw) <= budget
    raw.decode("utf-8")
    assert fences_closed(md)
    assert md.count("<details>") == md.count("</details>")
    assert md.count("<summary>") == md.count("</summary>") == md.count("<details>")


def test_broken_saved_plans_are_refused_clearly() -> None:
    from reconciler.errors import StalePlan

    data = plan_to_data(mixed_plan())
    for broken in ({**data, "format_version": "2.0"}, {**data, "actions": [{"action": "x"}]},
                   {"owner": "x"}):
        with pytest.raises(StalePlan):
            plan_from_data(broken)
