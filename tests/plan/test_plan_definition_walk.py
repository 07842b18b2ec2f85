"""Every kind of difference inside a definition by value is shown: one test per category."""

from __future__ import annotations

from typing import Any

from plan_factories import LEGACY, remote_of, settings, spec

from reconciler.output.renderers import render
from reconciler.plan.definition_diff import definition_diffs
from reconciler.plan.planner import plan

FORM = "a" * 32
AT = f"packageEntities.CTGY[{FORM}]"


def walk(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """Diffs between a served record and a declared one (fields present on both sides)."""
    served = {"CTGY": [{"id": FORM, **old}]}
    declared = {"CTGY": [{"ID": FORM, **new}]}
    return [(d["path"], d["op"], d["old"], d["new"])
            for d in (diff.data() for diff in definition_diffs(declared, served))]


def test_value_changed() -> None:
    assert walk({"name": "Brief"}, {"name": "Brief 2"}) == [
        (f"{AT}.name", "change", "Brief", "Brief 2")]


def test_type_changed() -> None:
    assert walk({"isActive": 1}, {"isActive": True}) == [
        (f"{AT}.isActive", "change", 1, True)]
    assert walk({"rank": 1}, {"rank": 1.0}) == []  # the same number


def test_key_added_and_removed_inside_a_field() -> None:
    assert walk({"meta": {"a": 1}}, {"meta": {"b": 2}}) == [
        (f"{AT}.meta.a", "remove", 1, None), (f"{AT}.meta.b", "add", None, 2)]


def test_list_item_added() -> None:
    assert walk({"tags": ["x"]}, {"tags": ["x", "y"]}) == [
        (f"{AT}.tags[1]", "add", None, "y")]


def test_list_item_removed() -> None:
    assert walk({"tags": ["x", "y", "z"]}, {"tags": ["x", "z"]}) == [
        (f"{AT}.tags[1]", "remove", "y", None)]


def test_list_items_added_and_removed_with_repeats() -> None:
    assert walk({"tags": ["x", "x", "y"]}, {"tags": ["x", "z"]}) == [
        (f"{AT}.tags[1]", "remove", "x", None), (f"{AT}.tags[1]", "add", None, "z"),
        (f"{AT}.tags[2]", "remove", "y", None)]


def test_list_reordered_is_one_change() -> None:
    assert walk({"tags": ["x", "y"]}, {"tags": ["y", "x"]}) == [
        (f"{AT}.tags", "change", ["x", "y"], ["y", "x"])]


def test_records_in_a_list_are_matched_by_id() -> None:
    one, two, three = "1" * 32, "2" * 32, "3" * 32
    old = {"fields": [{"id": one, "label": "Budget"}, {"id": two, "label": "Region"}]}
    new = {"fields": [{"ID": two.upper(), "label": "Area"}, {"id": three, "label": "Tier"}]}
    assert walk(old, new) == [
        (f"{AT}.fields[{one}]", "remove", {"id": one, "label": "Budget"}, None),
        (f"{AT}.fields[{two}].label", "change", "Region", "Area"),
        (f"{AT}.fields[{three}]", "add", None, {"id": three, "label": "Tier"})]


def test_record_added_and_removed() -> None:
    other = "b" * 32
    diffs = definition_diffs({"CTGY": [{"id": other, "name": "New"}]},
                             {"CTGY": [{"id": FORM, "name": "Old"}]})
    assert [(d.path, d.op.value) for d in diffs] == [  # type: ignore[union-attr]
        (AT, "remove"), (f"packageEntities.CTGY[{other}]", "add")]


def test_the_plan_renders_list_items_added_and_removed() -> None:
    old = {"CTGY": [{"id": FORM, "name": "Brief", "tags": ["x", "y"]}]}
    new = {"CTGY": [{"id": FORM, "name": "Brief", "tags": ["y", "z"]}]}
    before, after = spec("Campaign Brief", definition=old), spec("Campaign Brief",
                                                                 definition=new)
    fetched = remote_of(after, digest=before.digest(), packageEntities=old)
    text = render(plan([after], [fetched], settings(capabilities=LEGACY)), "text")
    assert f'- {AT}.tags[0]: "x"' in text
    assert f'+ {AT}.tags[1]: "z"' in text
