"""The simulator core, driven directly with a FakeClock: assembly, status rules, installs."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from simhelpers import body, sid

from reconciler.clock import FakeClock
from reconciler.simulator.core import Simulator
from reconciler.simulator.errors import SimError

ONBOARDING = ("TMPL", "New Agency Onboarding")
DEFAULT_GROUP = ("GROUP", "Default Group")


def make(assembly: float = 0.0, install: float = 0.0) -> tuple[Simulator, FakeClock]:
    clock = FakeClock()
    return Simulator(clock=clock, assembly_seconds=assembly, install_seconds=install), clock


def ready(sim: Simulator, *items: tuple[str, str], status: str = "TESTING") -> str:
    pkg = sim.create_package(body(*items), "sandbox")
    if status != "DRAFT":
        sim.update_package(pkg.id, {"status": status})
    return pkg.id


def entry(inst: Any, code: str, name: str) -> dict[str, Any]:
    return inst.translationMap[code][sid(code, name)]


def test_assembly_takes_its_time_then_expands_sub_objects() -> None:
    sim, clock = make(assembly=5.0)
    pkg = sim.create_package(body(ONBOARDING), "sandbox")
    assert (pkg.status, pkg.version, pkg.publishedAt) == ("ASSEMBLING", 1, None)
    assert pkg.createdAt.endswith("Z") and len(pkg.createdAt) == 24
    clock.advance(4.9)
    assert sim.get_package(pkg.id).status == "ASSEMBLING"
    clock.advance(0.2)
    done = sim.get_package(pkg.id)
    assert done.status == "DRAFT"
    codes: dict[str, list[str]] = {}
    for record in done.records:
        codes.setdefault(record.objCode, []).append(record.name)
    assert codes == {
        "TMPL": ["New Agency Onboarding"],
        "TTSK": ["Kickoff Call", "Contract Review", "Account Setup"],
        "TASSGN": ["Kickoff Call: Account Manager", "Contract Review: Creative Director"],
        "TPRED": ["Contract Review after Kickoff Call", "Account Setup after Contract Review"],
        "QUED": ["Agency Requests Queue"],
        "QUET": ["Access Request", "New Vendor"],
        "RRUL": ["Route to Onboarding"],
    }


def test_dashboard_brings_its_report_view_filter_and_grouping() -> None:
    sim, _ = make()
    pkg = sim.create_package(body(("PTLTAB", "Agency Performance and Readiness")), "sandbox")
    codes = sorted({r.objCode for r in sim.get_package(pkg.id).records})
    assert codes == ["PTLSEC", "PTLTAB", "UIFT", "UIGB", "UIVW"]


def test_create_answer_shows_assembling_even_when_assembly_is_instant() -> None:
    sim, _ = make()
    pkg = sim.create_package(body(DEFAULT_GROUP), "sandbox")
    assert pkg.status == "ASSEMBLING"
    assert sim.get_package(pkg.id).status == "DRAFT"


@pytest.mark.parametrize("collections", [
    [{"objCode": "TMPL", "entities": [{"ID": "0" * 32}]}],                       # unknown ID
    [{"objCode": "GROUP", "entities": [{"ID": sid(*ONBOARDING)}]}],              # wrong type
])
def test_missing_source_record_fails_assembly(collections: list[dict[str, Any]]) -> None:
    sim, _ = make()
    pkg = sim.create_package({"name": "broken", "source": "sandbox",
                              "objectCollections": collections}, "sandbox")
    failed = sim.get_package(pkg.id)
    assert failed.status == "ASSEMBLING_FAILED"
    assert failed.failure and "does not exist" in failed.failure
    assert failed.records == []


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda b: b.pop("name"), "name"),
    (lambda b: b.update(name="  "), "name"),
    (lambda b: b.update(objectCollections=[]), "objectCollections"),
    (lambda b: b.pop("objectCollections"), "objectCollections"),
    (lambda b: b["objectCollections"][0].update(objCode="DOCU"), "promotable"),
    (lambda b: b["objectCollections"][0]["entities"][0].pop("ID"), "no ID"),
    (lambda b: b["objectCollections"][0].update(entities=[]), "entities"),
    (lambda b: b.update(source="https://acme.nowhere.workfront.com"), "source"),
])
def test_bad_create_bodies_are_refused(mutate: Any, fragment: str) -> None:
    sim, _ = make()
    request = body(DEFAULT_GROUP)
    mutate(request)
    with pytest.raises(SimError) as info:
        sim.create_package(request, "sandbox")
    assert info.value.status == 400 and fragment in info.value.message
    assert sim.package_count() == 0


@pytest.mark.parametrize("source", [
    "sandbox", "http://127.0.0.1:8765/sandbox", "http://simulator.local/sandbox/",
    "https://acme.sandbox.workfront.com", None])
def test_source_forms_resolve_to_the_environment(source: str | None) -> None:
    sim, _ = make()
    request = body(DEFAULT_GROUP)
    request["source"] = source
    pkg = sim.create_package(request, "sandbox")
    assert pkg.source_env == "sandbox"
    assert sim.get_package(pkg.id).status == "DRAFT"


def test_package_name_alias_is_accepted() -> None:
    sim, _ = make()
    request = body(DEFAULT_GROUP)
    request["packageName"] = request.pop("name")
    assert sim.create_package(request, "sandbox").name == "Agency package"


def test_status_rules() -> None:
    sim, clock = make(assembly=10.0)
    pkg = sim.create_package(body(DEFAULT_GROUP), "sandbox")
    with pytest.raises(SimError) as info:
        sim.update_package(pkg.id, {"status": "ACTIVE"})
    assert info.value.status == 409
    for bad in ("ASSEMBLING", "ASSEMBLING_FAILED", "UNASSEMBLED", "PUBLISHED", 3):
        with pytest.raises(SimError) as info:
            sim.update_package(pkg.id, {"status": bad})
        assert info.value.status == 400
    clock.advance(10)
    active = sim.update_package(pkg.id, {"status": "ACTIVE"})
    assert active.status == "ACTIVE" and active.publishedAt and active.retiredAt is None
    clock.advance(60)
    disabled = sim.update_package(pkg.id, {"status": "DISABLED"})
    assert disabled.retiredAt and disabled.retiredAt > active.publishedAt
    assert disabled.publishedAt == active.publishedAt
    draft = sim.update_package(pkg.id, {"status": "DRAFT", "name": "Renamed"})
    assert (draft.status, draft.name, draft.retiredAt) == ("DRAFT", "Renamed", None)


def test_failed_status_change_changes_nothing() -> None:
    sim, _ = make()
    pkg = sim.create_package(body(DEFAULT_GROUP), "sandbox")
    with pytest.raises(SimError):
        sim.update_package(pkg.id, {"status": "BOGUS", "name": "Changed"})
    assert sim.get_package(pkg.id).name == "Agency package"


def test_failed_assembly_can_only_be_disabled() -> None:
    sim, _ = make()
    pkg = sim.create_package({"name": "broken", "source": "sandbox", "objectCollections": [
        {"objCode": "ROLE", "entities": [{"ID": "f" * 32}]}]}, "sandbox")
    with pytest.raises(SimError) as info:
        sim.update_package(pkg.id, {"status": "TESTING"})
    assert info.value.status == 409
    assert sim.update_package(pkg.id, {"status": "DISABLED"}).status == "DISABLED"


def test_reassembly_by_patch_and_replacement_by_put() -> None:
    sim, clock = make(assembly=3.0)
    pkg = sim.create_package(body(DEFAULT_GROUP), "sandbox")
    clock.advance(3)
    again = sim.update_package(pkg.id, {"objectCollections": body(ONBOARDING)[
        "objectCollections"]})
    assert (again.status, again.version) == ("ASSEMBLING", 2)
    clock.advance(3)
    assert {r.objCode for r in sim.get_package(pkg.id).records} >= {"TMPL", "TTSK"}
    sim.update_package(pkg.id, {"status": "TESTING"})
    with pytest.raises(SimError) as info:   # installable packages cannot be re-assembled
        sim.update_package(pkg.id, {"objectCollections": body(DEFAULT_GROUP)[
            "objectCollections"]})
    assert info.value.status == 409
    entities = {"TTSK": [{"id": sid("TTSK", "Kickoff Call"), "name": "Kickoff Call"}]}
    full = {"name": "Replaced", "description": "", "source": "sandbox", "status": "TESTING",
            "version": 2, "packageEntities": entities}
    for left_out in ("description", "version", "status"):   # R2: every field is expected
        with pytest.raises(SimError, match=f"missing {left_out}") as info:
            sim.replace_package(pkg.id, {k: v for k, v in full.items() if k != left_out})
        assert info.value.status == 400
    with pytest.raises(SimError, match="version must be an integer"):
        sim.replace_package(pkg.id, {**full, "version": "2"})
    replaced = sim.replace_package(pkg.id, full)
    assert (replaced.name, replaced.status, replaced.version) == ("Replaced", "TESTING", 2)
    assert replaced.records[0].parentID == sid(*ONBOARDING)  # recovered from the source


def test_unknown_package_and_delete() -> None:
    sim, _ = make()
    with pytest.raises(SimError) as info:
        sim.get_package("nope")
    assert info.value.status == 404
    pid = ready(sim, DEFAULT_GROUP)
    inst = sim.prepare_installation(pid, "preview", "h/preview")
    sim.delete_package(pid)
    with pytest.raises(SimError):
        sim.get_package(pid)
    assert sim.get_installation(inst.id).packageId == pid


def test_prerun_matches_target_records_by_type_and_name() -> None:
    sim, _ = make()
    pid = ready(sim, DEFAULT_GROUP, ("GROUP", "Agency Partners"), ("TMPL", "Campaign Launch"))
    inst = sim.prepare_installation(pid, "preview", "127.0.0.1:1/preview")
    assert inst.status == "PREPARING" and inst.environment_label == "127.0.0.1:1/preview"
    group = entry(inst, *DEFAULT_GROUP)
    assert group == {"name": "Default Group", "action": "USEEXISTING", "isValid": True,
                     "targetId": sid("GROUP", "Default Group", "preview")}
    assert entry(inst, "TMPL", "Campaign Launch")["action"] == "USEEXISTING"
    assert entry(inst, "TTSK", "Creative Brief")["action"] == "CREATE"
    assert entry(inst, "GROUP", "Agency Partners") == {
        "name": "Agency Partners", "action": "CREATE", "isValid": True, "targetId": ""}


@pytest.mark.parametrize(("status", "env", "allowed"), [
    ("DRAFT", "sandbox", False), ("TESTING", "preview", True), ("TESTING", "sandbox", True),
    ("TESTING", "production", False), ("ACTIVE", "production", True),
    ("DISABLED", "preview", False)])
def test_where_a_status_may_install(status: str, env: str, allowed: bool) -> None:
    sim, _ = make()
    pid = ready(sim, DEFAULT_GROUP, status=status)
    if allowed:
        assert sim.prepare_installation(pid, env, env).status == "PREPARING"
    else:
        with pytest.raises(SimError) as info:
            sim.prepare_installation(pid, env, env)
        assert info.value.status == 409 and status in info.value.message


def test_install_creates_registers_and_takes_its_time() -> None:
    sim, clock = make(install=20.0)
    pid = ready(sim, DEFAULT_GROUP, ONBOARDING)
    prep = sim.prepare_installation(pid, "preview", "preview")
    assert sim.install(prep.id, "preview").status == "INSTALLING"
    clock.advance(19)
    assert sim.get_installation(prep.id).status == "INSTALLING"
    clock.advance(1)
    done = sim.get_installation(prep.id)
    assert done.status == "INSTALLED" and done.updatedAt
    group = entry(done, *DEFAULT_GROUP)
    assert group["installationStatus"] == "REGISTERED"
    task = entry(done, "TTSK", "Kickoff Call")
    template = entry(done, *ONBOARDING)
    assert task["installationStatus"] == template["installationStatus"] == "INSTALLED"
    records = sim.world.environments["preview"].records
    assert records[task["targetId"]].parentID == template["targetId"]
    assert records[template["targetId"]].name == "New Agency Onboarding"
    # A second pre-run finds everything in place.
    again = sim.prepare_installation(pid, "preview", "preview")
    assert {e["action"] for m in again.translationMap.values() for e in m.values()} == {
        "USEEXISTING"}
    with pytest.raises(SimError) as info:
        sim.install(prep.id, "preview")
    assert info.value.status == 409


def test_ignoring_a_created_parent_fails_its_created_children() -> None:
    sim, _ = make()
    pid = ready(sim, ("TMPL", "New Agency Offboarding"))
    edited = {"TMPL": {sid("TMPL", "New Agency Offboarding"): {"action": "IGNORE"}}}
    inst = sim.install_with_map(pid, "preview", "preview", edited)
    assert inst.status == "FAILED"
    assert "installationStatus" not in entry(inst, "TMPL", "New Agency Offboarding")
    child = entry(inst, "TTSK", "Exit Interview")
    assert child["installationStatus"] == "FAILED" and "ignore" in child["failureReason"]


def test_ignoring_parent_and_children_succeeds() -> None:
    sim, _ = make()
    pid = ready(sim, ("TMPL", "New Agency Offboarding"))
    edited = {code: {sid(code, n): {"action": "IGNORE"} for n in names} for code, names in (
        ("TMPL", ["New Agency Offboarding"]), ("TTSK", ["Exit Interview", "Revoke Access"]))}
    inst = sim.install_with_map(pid, "preview", "preview", edited)
    assert inst.status == "INSTALLED"
    assert sim.world.environments["preview"].find("TTSK", "Exit Interview") is None


def test_creating_a_second_group_with_the_same_name_fails() -> None:
    sim, _ = make()
    pid = ready(sim, DEFAULT_GROUP, ("ROLE", "Account Manager"))
    edited = {"GROUP": {sid(*DEFAULT_GROUP): {"action": "CREATE", "targetId": ""}},
              "ROLE": {sid("ROLE", "Account Manager"): {"action": "CREATE"}}}
    inst = sim.install_with_map(pid, "preview", "preview", edited)
    assert inst.status == "FAILED"
    group = entry(inst, *DEFAULT_GROUP)
    assert group["installationStatus"] == "FAILED" and "unique" in group["failureReason"]
    # Roles have no unique-name rule: a second one is simply created.
    assert entry(inst, "ROLE", "Account Manager")["installationStatus"] == "INSTALLED"


def test_overwriting_updates_the_target_record() -> None:
    sim, _ = make()
    pid = ready(sim, DEFAULT_GROUP)
    target_id = sid("GROUP", "Default Group", "preview")
    prep = sim.prepare_installation(pid, "preview", "preview")
    edited = {"GROUP": {sid(*DEFAULT_GROUP): {"action": "OVERWRITING", "targetId": target_id}}}
    done = sim.install(prep.id, "preview", edited)
    assert entry(done, *DEFAULT_GROUP)["installationStatus"] == "INSTALLED"
    assert "sandbox" in sim.world.environments["preview"].records[target_id].description


def test_useexisting_with_a_missing_target_fails() -> None:
    sim, _ = make()
    pid = ready(sim, ("ROLE", "Creative Director"))
    edited = {"ROLE": {sid("ROLE", "Creative Director"): {"action": "USEEXISTING",
                                                          "targetId": "a" * 32}}}
    inst = sim.install_with_map(pid, "preview", "preview", edited)
    assert inst.status == "FAILED"


def test_installations_span_environments() -> None:
    sim, _ = make()
    pid = ready(sim, DEFAULT_GROUP, status="ACTIVE")
    for env in ("preview", "production"):
        prep = sim.prepare_installation(pid, env, env)
        sim.install(prep.id, env)
    other = ready(sim, ("ROLE", "Account Manager"))
    sim.prepare_installation(other, "preview", "preview")
    assert [i.environment for i in sim.list_installations(pid)] == ["preview", "production"]
    assert len(sim.list_installations(None)) == 3
    assert sim.translation_map(pid, "production")["GROUP"][sid(*DEFAULT_GROUP)][
        "action"] == "USEEXISTING"


def test_every_new_id_comes_from_the_id_factory() -> None:
    numbers = itertools.count(1)
    sim = Simulator(clock=FakeClock(), ids=lambda: uuid.UUID(int=next(numbers)))
    assert (sim.world.customerId, sim.world.userId) == (f"{1:032x}", f"{2:032x}")
    pid = ready(sim, ONBOARDING)
    assert pid == str(uuid.UUID(int=3))
    done = sim.install(sim.prepare_installation(pid, "preview", "preview").id, "preview")
    assert done.id == str(uuid.UUID(int=4))
    created = {entry(done, *ONBOARDING)["targetId"], entry(done, "TTSK", "Kickoff Call")[
        "targetId"]}
    assert created <= {f"{n:032x}" for n in range(5, 20)}
