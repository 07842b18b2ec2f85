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
    PackageBody,
    RemoteState,
    Replace,
    ReplaceStrategy,
    Update,
)
from reconciler.plan.model import Action, ActionKind, Plan, Reason
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
    draft = spec("Draft replaced", entities=("Campaign Launch",))
    renamed = spec("Renamed", id=pkg_id("Old name"))
    remote = [remote_of(changed, description="old"),
              remote_of(same, source="https://acme.sb01.workfront.com"),
              remote_of(replaced, digest="0" * 64), remote_of(installing, version=3),
              remote_of(draft, digest="1" * 64), remote_of(spec("Old name")),
              remote_of(spec("Gone"), id=pkg_id("Gone")),
              remote_of(spec("Failed"), status="ASSEMBLING_FAILED", id=pkg_id("Failed"))]
    history = {remote[3].id: [Installation(
        id="i-1", status="INSTALL_FAILED", environment="https://acme.sb01.workfront.com",
        environmentPromotionPackageId=remote[3].id, environmentPromotionPackageVersion=3,
        registeredAt="2026-01-02T00:00:00.000Z")]}
    desired = [spec("New", status="ACTIVE", definition=DEFINITION), changed, same, replaced,
               installing, draft, renamed]
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
    (update,) = [a for a in _every_kind().actions if a.name == "Changed"]
    assert isinstance(update.change, Update)
    assert set(update.change.fields()) == {"description"}
    assert update.change.before.status == "DRAFT"


def test_a_replace_by_put_sends_the_declared_status_and_the_definition() -> None:
    (action,) = [a for a in _every_kind(LEGACY).actions if a.name == "Replaced"]
    change = action.change
    assert isinstance(change, Replace) and change.strategy is ReplaceStrategy.PUT
    put = change.body.put(version=7, status=change.body.status)
    assert (put["status"], put["version"], "objectCollections" in put) == ("TESTING", 7, False)
    assert put["packageEntities"] == DEFINITION


def test_actions_are_built_only_from_a_change() -> None:
    with pytest.raises(TypeError):
        Action(name="x", reason="missing")  # type: ignore[call-arg]


def test_what_each_change_carries_survives_the_saved_plan() -> None:
    """Fields the planner fills only in some runs: a rename, a successor, a last install's
    version and time, a remote source, a replace of a DRAFT package (no status to set)."""
    made = _every_kind()
    by_name = {(a.name, a.environment): a.change for a in made.actions}
    renamed, kept = by_name[("Renamed", None)], by_name[("Same", None)]
    assert isinstance(renamed, Update) and renamed.fields() == {"name": "Renamed"}
    assert isinstance(kept, NoOp) and kept.before.source == "https://acme.sb01.workfront.com"
    assert kept.before.id == pkg_id("Same")
    draft = by_name[("Draft replaced", None)]
    assert isinstance(draft, Replace) and draft.body.desired_status is None
    last = by_name[("Installed", "sandbox")]
    assert isinstance(last, Install) and last.last is not None
    assert (last.version, last.last.version, last.last.at) == (3, 3, "2026-01-02T00:00:00.000Z")
    superseded = Action(name="Old", reason=Reason.SUPERSEDED, package_id="old-id",
                        change=Disable(RemoteState("old-id", "Old", "", "ACTIVE"),
                                       successor_id="new-id"))
    with_successor = Plan(actions=(*made.actions, superseded), owner=made.owner,
                          profile=made.profile, desired_digest=made.desired_digest)
    data = json.loads(json.dumps(plan_to_data(with_successor)))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    again = plan_from_data(data)
    assert again == with_successor
    for saved, action in zip(data["actions"], again.actions, strict=True):
        assert action.data() == saved


@pytest.mark.parametrize("definition", [DEFINITION, None])
def test_a_put_sends_every_editable_field_and_the_content_once(
        definition: dict[str, Any] | None) -> None:
    body = PackageBody("P", "text", "https://sb", "ACTIVE",
                       collections=({"objCode": "TMPL", "entities": [{"ID": "a" * 32}]},),
                       definition=definition)
    content = {"packageEntities": DEFINITION} if definition else {
        "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": "a" * 32}]}]}
    assert body.put(version=None, status="DRAFT") == {
        "name": "P", "description": "text", "source": "https://sb", "status": "DRAFT",
        **content}
