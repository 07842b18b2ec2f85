"""Change objects are values: deeply frozen, hashable, one order, diffs with an operation."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.changes import Create, Delete, PackageBody, RemoteState
from reconciler.plan.model import Action, DiffOp, FieldDiff, Reason
from reconciler.plan.values import FrozenMap, freeze, thaw


def _create(name: str, collections: list[object] | None = None,
            definition: dict[str, object] | None = None) -> Action:
    body = PackageBody(name, "text", "https://sb", collections=tuple(collections or ()),
                       definition=definition)
    return Action(name=name, reason=Reason.MISSING, change=Create(body))


def test_nested_request_body_cannot_be_changed() -> None:
    action = _create("A", [{"objCode": "TMPL", "entities": [{"ID": "x"}]}])
    change = action.change
    assert isinstance(change, Create)
    with pytest.raises(AttributeError):
        change.body.name = "B"  # type: ignore[misc]
    collections = change.body.collections
    assert isinstance(collections, tuple) and isinstance(collections[0], FrozenMap)
    with pytest.raises(TypeError):
        collections[0]["objCode"] = "PROJ"


def test_body_is_a_fresh_plain_copy_each_time() -> None:
    action = _create("A", [{"objCode": "TMPL", "entities": []}])
    assert isinstance(action.change, Create)
    body = action.change.body.post()
    body["objectCollections"][0]["objCode"] = "PROJ"
    assert action.change.body.post()["objectCollections"] == [
        {"objCode": "TMPL", "entities": []}]
    assert json.dumps(action.change.body.post())  # plain JSON types only
    assert json.dumps(action.data())


def test_actions_and_diffs_are_hashable_and_equal_by_value() -> None:
    one = _create("A", definition={"TMPL": [{"ID": "x", "tags": ["x", {"y": 1}]}]})
    two = _create("A", definition={"TMPL": [{"ID": "x", "tags": ["x", {"y": 1}]}]})
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
    delete = Action(name="A", reason=Reason.NOT_DECLARED, change=Delete(RemoteState("2", "A")),
                    package_id="2")
    delete_first = Action(name="A", reason=Reason.NOT_DECLARED,
                          change=Delete(RemoteState("1", "A")), package_id="1")
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
