"""Change objects are values: deeply frozen, hashable, one order, diffs with an operation."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.model import Action, ActionKind, DiffOp, FieldDiff, Reason
from reconciler.plan.values import FrozenMap, freeze, thaw


def _create(name: str, **after: object) -> Action:
    return Action(kind=ActionKind.CREATE, name=name, reason=Reason.MISSING, after=after)


def test_nested_request_body_cannot_be_changed() -> None:
    action = _create("A", objectCollections=[{"objCode": "TMPL", "entities": [{"ID": "x"}]}])
    assert action.after is not None
    with pytest.raises(TypeError):
        action.after["name"] = "B"  # type: ignore[index]
    collections = action.after["objectCollections"]
    assert isinstance(collections, tuple) and isinstance(collections[0], FrozenMap)
    with pytest.raises(TypeError):
        collections[0]["objCode"] = "PROJ"


def test_body_is_a_fresh_plain_copy_each_time() -> None:
    action = _create("A", objectCollections=[{"objCode": "TMPL", "entities": []}])
    body = action.body()
    body["objectCollections"][0]["objCode"] = "PROJ"
    assert action.body()["objectCollections"] == [{"objCode": "TMPL", "entities": []}]
    assert json.dumps(action.body())  # plain JSON types only


def test_actions_and_diffs_are_hashable_and_equal_by_value() -> None:
    one = _create("A", tags=["x", {"y": 1}])
    two = _create("A", tags=["x", {"y": 1}])
    assert one == two and hash(one) == hash(two)
    assert len({one, two, _create("B")}) == 2
    diff = FieldDiff("entities.TMPL", ["a"], ["a", "b"])
    assert hash(diff) == hash(FieldDiff("entities.TMPL", ("a",), ("a", "b")))


def test_field_diff_operation_follows_the_sides() -> None:
    assert FieldDiff("description", None, "new").op is DiffOp.ADD
    assert FieldDiff("description", "old", None).op is DiffOp.REMOVE
    assert FieldDiff("description", "old", "new").op is DiffOp.CHANGE
    assert FieldDiff("x", None, None, DiffOp.CHANGE).op is DiffOp.CHANGE
    assert FieldDiff("d", "o", None).data() == {"path": "d", "op": "remove", "old": "o",
                                                "new": None}


def test_order_is_owned_by_the_action() -> None:
    delete = Action(kind=ActionKind.DELETE, name="A", reason=Reason.NOT_DECLARED,
                    package_id="2")
    delete_first = Action(kind=ActionKind.DELETE, name="A", reason=Reason.NOT_DECLARED,
                          package_id="1")
    create_b, create_a = _create("B"), _create("A")
    ordered = sorted([delete, create_b, delete_first, create_a], key=Action.sort_key)
    assert ordered == [create_a, create_b, delete_first, delete]


def test_freeze_and_thaw_round_trip() -> None:
    data = {"a": [1, {"b": [2, 3]}], "c": None, "d": "text"}
    assert thaw(freeze(data)) == data
    assert freeze(freeze(data)) == freeze(data)


def test_every_format_renders_through_the_registry() -> None:
    from reconciler.output.renderers import FORMATS, render
    from reconciler.plan.model import Plan

    p = Plan(actions=(_create("A"),), owner="acme", profile="current", desired_digest="0" * 64)
    assert FORMATS == ("text", "json", "markdown")
    assert json.loads(render(p, "json"))["actions"][0]["name"] == "A"
    assert "A" in render(p, "text") and "A" in render(p, "markdown")
