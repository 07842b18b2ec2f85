"""Typed changes: each kind of action carries its own value, and the saved plan writes and
reads every kind back to the same plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from plan_factories import LEGACY, pkg_id, remote_of, settings, spec

from reconciler.domain.declared import InstallStep
from reconciler.domain.remote import Installation
from reconciler.errors import StalePlan
from reconciler.output.describe import details
from reconciler.output.saved import plan_from_data, plan_to_data
from reconciler.plan.changes import (
    Create,
    Delete,
    Disable,
    Install,
    NoOp,
    Replace,
    ReplaceStrategy,
    Update,
)
from reconciler.plan.model import Action, ActionKind, Plan
from reconciler.plan.planner import plan

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())
DEFINITION = {"TMPL": [{"ID": "a" * 32, "name": "One"}, {"ID": "b" * 32, "name": "Two"}]}


def _every_kind(capabilities: Any = None) -> Plan:
    """create (with a definition), update, replace, disable, delete, install (blocked, with
    overrides and a last install), no-op, and the disable of a superseded version."""
    extra = {"capabilities": capabilities} if capabilities else {}
    installing = spec("Installed", status="ACTIVE").model_copy(update={"install": (
        InstallStep(environment="sandbox", existing="overwrite",
                    overrides={"TMPL": {"a" * 32: "IGNORE"}}),
        InstallStep(environment="production", after=("preview",)))})
    changed, same = spec("Changed", description="new"), spec("Same")
    replaced = spec("Replaced", status="TESTING", definition=DEFINITION)
    remote = [remote_of(changed, description="old"), remote_of(same),
              remote_of(replaced, digest="0" * 64), remote_of(installing),
              remote_of(spec("Gone"), id=pkg_id("Gone")),
              remote_of(spec("Failed"), status="ASSEMBLING_FAILED", id=pkg_id("Failed"))]
    history = {remote[3].id: [Installation(id="i-1", status="INSTALL_FAILED",
                                           environment="https://acme.sb01.workfront.com",
                                           environmentPromotionPackageId=remote[3].id)]}
    desired = [spec("New", status="ACTIVE", definition=DEFINITION), changed, same, replaced,
               installing]
    return plan(desired, remote, settings(**extra), history)


@pytest.mark.parametrize("capabilities", [None, LEGACY], ids=["current", "2023"])
def test_every_kind_is_saved_to_the_schema_and_read_back_to_the_same_plan(
        capabilities: Any) -> None:
    made = _every_kind(capabilities)
    kinds = {type(a.change) for a in made.actions}
    assert kinds == {Create, Update, Replace, Disable, Delete, Install, NoOp}
    data = json.loads(json.dumps(plan_to_data(made)))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    again = plan_from_data(data)
    assert again == made
    assert plan_to_data(again) == data


def test_the_kind_follows_from_the_change() -> None:
    for action in _every_kind().actions:
        assert action.kind is action.change.kind
        assert action.data()["action"] == action.kind.value


def test_an_install_carries_its_gates_overrides_and_last_attempt() -> None:
    installs = {a.environment: a for a in _every_kind().actions if isinstance(a.change, Install)}
    sandbox, production = installs["sandbox"].change, installs["production"].change
    assert isinstance(sandbox, Install) and isinstance(production, Install)
    assert (sandbox.existing, sandbox.plain_overrides()) == (
        "overwrite", {"TMPL": {"a" * 32: "IGNORE"}})
    assert sandbox.last is not None and sandbox.last.installation_id == "i-1"
    assert production.after == ("preview",) and production.blocked is not None
    assert installs["production"].blocked == production.blocked
    assert not installs["production"].runnable and installs["sandbox"].runnable


def test_a_definition_written_with_put_counts_its_records() -> None:
    (create,) = [a for a in _every_kind(LEGACY).actions if a.kind is ActionKind.CREATE]
    assert "packageEntities: 2 record(s) in 1 objCode(s), written with PUT" in [
        d.text() for d in details(create)]


@pytest.mark.parametrize(("kind", "broken"), [
    ("replace", lambda a: a.pop("strategy")),
    ("install", lambda a: a["after"].pop("environment")),
    ("update", lambda a: a["after"].update(objectCollections=[])),
    ("disable", lambda a: a.update(after={"status": "ACTIVE"})),
])
def test_a_saved_action_of_the_wrong_shape_for_its_kind_is_refused(kind: str,
                                                                   broken: Any) -> None:
    data = plan_to_data(_every_kind())
    action = next(a for a in data["actions"] if a["action"] == kind)
    broken(action)
    with pytest.raises(StalePlan, match="not a valid saved plan"):
        plan_from_data(data)


def test_the_update_patch_holds_only_what_changed() -> None:
    (update,) = [a for a in _every_kind().actions if isinstance(a.change, Update)]
    assert isinstance(update.change, Update)
    assert set(update.change.fields()) == {"description"}
    assert update.change.before.status == "DRAFT"


def test_a_replace_by_put_sends_the_declared_status_and_the_definition() -> None:
    (action,) = [a for a in _every_kind(LEGACY).actions if isinstance(a.change, Replace)]
    change = action.change
    assert isinstance(change, Replace) and change.strategy is ReplaceStrategy.PUT
    put = change.body.put(version=7, status=change.body.status)
    assert (put["status"], put["version"], "objectCollections" in put) == ("TESTING", 7, False)
    assert put["packageEntities"] == DEFINITION


def test_actions_are_built_only_from_a_change() -> None:
    with pytest.raises(TypeError):
        Action(name="x", reason="missing")  # type: ignore[call-arg]
