"""Install planning, case by case: what each planned install carries (the body apply sends,
the installation it follows, the gates), which history counts, and in which order.

Every assertion is on what the plan shows or apply reads, never on the planner's internals.
"""

from __future__ import annotations

from typing import Any

from plan_factories import CURRENT, OWNER, remote_of, spec

from reconciler.domain.declared import PackageSpec, SourceRef
from reconciler.domain.remote import Installation, RemotePackage, environment_key
from reconciler.plan.installs import (
    last_outcome,
    matching,
    pending_envs,
    plan_installs,
    status_gate,
)
from reconciler.plan.model import Action, ActionKind, Reason
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare
from reconciler.plan.settings import PlanSettings

ENVS = {"sandbox": "https://acme.sb01.workfront.com",
        "preview": "https://acme.preview.workfront.com",
        "production": "https://acme.my.workfront.com"}
KINDS = {"sandbox": "sandbox", "preview": "preview", "production": "production"}
NAME = "Agency Onboarding"
ORIGIN = SourceRef(file="packages/agency.yaml", line=4)


def settings(**extra: Any) -> PlanSettings:
    values: dict[str, Any] = {"owner": OWNER, "capabilities": CURRENT, "environments": ENVS,
                              "environment_kinds": KINDS}
    values.update(extra)
    return PlanSettings(**values)


def declared(status: str, *steps: dict[str, Any], name: str = NAME,
             entities: tuple[str, ...] = ("New Agency Onboarding",)) -> PackageSpec:
    base = spec(name, status=status, entities=entities)
    data = {**base.model_dump(exclude={"definition_content", "origin"}), "install": list(steps)}
    return PackageSpec.model_validate(data).model_copy(update={"origin": ORIGIN})


def inst(env: str, status: str, package_id: str, *, version: int | None = 1,
         at: str | None = "2026-01-01T00:00:00.000Z", updated: str | None = None,
         ident: str | None = None) -> Installation:
    return Installation(id=ident or f"{env}-{status}-{at}",
                        environmentPromotionPackageId=package_id,
                        environmentPromotionPackageVersion=version, status=status,
                        environment=environment_key(ENVS.get(env, env)), registeredAt=at,
                        updatedAt=updated)


def installs_of(desired: PackageSpec, remote: list[RemotePackage],
                history: dict[str, list[Installation]] | None, **extra: Any) -> dict[str, Action]:
    result = plan([desired], remote, settings(**extra), history)
    return {a.environment or "": a for a in result.actions if a.kind is ActionKind.INSTALL}


def test_a_planned_install_carries_its_body_the_installation_it_follows_and_its_origin() -> None:
    desired = declared("ACTIVE",
                       {"environment": "sandbox"},
                       {"environment": "preview", "existing": "overwrite",
                        "overrides": {"TMPL": {"a" * 32: "IGNORE"}}},
                       {"environment": "production", "after": ["preview"]})
    remote = remote_of(desired, version=1)
    history = [inst("sandbox", "FAILED", remote.id, updated=None, ident="i-sb"),
               inst("preview", "INSTALL_FAILED", remote.id, at="2026-01-02T00:00:00.000Z",
                    updated="2026-01-02T00:05:00.000Z", ident="i-pv")]
    planned = installs_of(desired, [remote], {remote.id: history})
    assert planned["sandbox"].data() == {
        "action": "install", "name": NAME, "reason": "install_failed",
        "package_id": remote.id,
        "before": {"installation_id": "i-sb", "status": "FAILED", "version": 1,
                   "at": "2026-01-01T00:00:00.000Z"},   # no updatedAt: when it was registered
        "after": {"environment": "sandbox", "step": 0, "existing": "use", "version": 1,
                  "overrides": {}, "after": [], "gates": []},
        "diffs": [], "source_env": "sandbox", "environment": "sandbox",
        "origin": "packages/agency.yaml:4"}
    assert planned["preview"].data() == {
        "action": "install", "name": NAME, "reason": "install_failed",
        "package_id": remote.id,
        "before": {"installation_id": "i-pv", "status": "INSTALL_FAILED", "version": 1,
                   "at": "2026-01-02T00:05:00.000Z"},   # updatedAt wins over registeredAt
        "after": {"environment": "preview", "step": 1, "existing": "overwrite", "version": 1,
                  "overrides": {"TMPL": {"a" * 32: "IGNORE"}}, "after": [], "gates": []},
        "diffs": [], "source_env": "sandbox", "environment": "preview",
        "origin": "packages/agency.yaml:4"}
    assert planned["production"].data() == {
        "action": "install", "name": NAME, "reason": "install_requested",
        "package_id": remote.id, "before": None,
        "after": {"environment": "production", "step": 2, "existing": "use", "version": 1,
                  "overrides": {}, "after": ["preview"], "gates": ["after preview: planned"]},
        "diffs": [], "source_env": "sandbox", "environment": "production",
        "origin": "packages/agency.yaml:4"}


def test_installs_of_a_new_version_name_no_version_no_id_and_follow_nothing() -> None:
    desired = declared("ACTIVE", {"environment": "preview"})
    created = installs_of(desired, [], None)["preview"]
    assert (created.reason, created.package_id, created.data()["before"]) == (Reason.NEW_VERSION,
                                                                     None, None)
    assert created.data()["after"]["version"] is None
    # A replace is a new version too, even of a package installed before.
    old = remote_of(desired, digest="0" * 64, version=3)   # other content: replaced
    history = {old.id: [inst("preview", "INSTALLED", old.id, version=3)]}
    replaced = installs_of(desired, [old], history)["preview"]
    assert (replaced.reason, replaced.package_id, replaced.data()["before"]) == (Reason.NEW_VERSION,
                                                                       None, None)
    assert replaced.data()["after"]["version"] is None


def test_a_package_with_no_history_yet_is_installed() -> None:
    desired = declared("ACTIVE", {"environment": "preview"})
    remote = remote_of(desired, version=2)
    for history in (None, {}, {"another-package": []}):
        planned = installs_of(desired, [remote], history)["preview"]
        assert (planned.reason, planned.package_id, planned.data()["before"]) == (
            Reason.INSTALL_REQUESTED, remote.id, None)
        assert planned.data()["after"]["version"] == 2


def test_an_install_done_earlier_opens_the_gates_that_follow_it() -> None:
    desired = declared("ACTIVE", {"environment": "preview"},
                       {"environment": "production", "after": ["preview"]},
                       {"environment": "sandbox", "after": ["production"]})
    remote = remote_of(desired, version=1)
    planned = installs_of(desired, [remote],
                          {remote.id: [inst("preview", "COMPLETED", remote.id)]})
    assert set(planned) == {"production", "sandbox"}
    assert planned["production"].blocked is None
    assert planned["production"].data()["after"]["gates"] == ["after preview: done"]
    assert planned["sandbox"].blocked is None
    assert planned["sandbox"].data()["after"]["gates"] == ["after production: planned"]


def test_a_gate_on_an_environment_not_installed_blocks_with_its_reason() -> None:
    desired = declared("ACTIVE", {"environment": "preview", "after": ["sandbox"]},
                       {"environment": "production", "after": ["preview"]})
    planned = installs_of(desired, [remote_of(desired, version=1)], None)
    assert planned["preview"].data()["after"]["gates"] == ["after sandbox: not installed"]
    assert planned["preview"].blocked == ("after sandbox: the same version is not installed "
                                          "there")
    assert planned["production"].data()["after"]["gates"] == ["after preview: blocked"]
    assert planned["production"].blocked == ("after preview: the same version is not "
                                             "installed there (that install is blocked)")


def test_status_gates_word_for_word() -> None:
    assert status_gate("DRAFT", "preview") == (
        "a DRAFT package cannot be installed anywhere; set status: TESTING (sandbox and "
        "preview) or ACTIVE")
    assert status_gate("TESTING", "production") == (
        "a TESTING package cannot be installed into a production environment; set status: "
        "ACTIVE")
    assert status_gate("TESTING", "preview") is None
    assert status_gate("TESTING", None) is None      # kind unknown: no kind gate
    assert status_gate("ACTIVE", "production") is None


def test_an_environment_the_settings_do_not_map_is_compared_by_its_name() -> None:
    desired = declared("ACTIVE", {"environment": "preview"})
    remote = remote_of(desired, version=1)
    done = [Installation(id="i", environmentPromotionPackageId=remote.id,
                         environmentPromotionPackageVersion=1, status="INSTALLED",
                         environment="preview")]
    assert plan_installs(desired, remote, False, done, settings(environments={}), None) == []
    assert len(plan_installs(desired, remote, False, [], settings(environments={}), None)) == 1


def test_the_latest_outcome_is_the_latest_registered_not_the_latest_listed() -> None:
    package = RemotePackage(id="p", name=NAME, version=1)
    url = ENVS["preview"]
    running = inst("preview", "INSTALLING", "p", at="2026-01-02T00:00:00.000Z")
    failed = inst("preview", "FAILED", "p", at="2026-01-01T00:00:00.000Z")
    assert last_outcome([running, failed], package, url) == ("running", running)
    unregistered = inst("preview", "FAILED", "p", at=None)
    assert last_outcome([running, unregistered], package, url) == ("running", running)
    # Registered at the same instant: the one listed last is the latest.
    tied = inst("preview", "FAILED", "p", at=running.registeredAt, ident="tied")
    assert last_outcome([running, tied], package, url) == ("failed", tied)
    assert last_outcome([tied, running], package, url) == ("running", running)
    assert last_outcome([], package, url) == ("none", None)
    assert last_outcome([inst("preview", "PREPARING", "p")], package, url) == ("none", None)


def test_matching_skips_other_packages_and_pre_run_records_wherever_they_are_listed() -> None:
    package = RemotePackage(id="p", name=NAME, version=1)
    other = inst("preview", "INSTALLED", "another-package")
    ours = inst("preview", "INSTALLED", "p", ident="ours")
    prerun = inst("preview", "PREPARING", "p", ident="prerun")
    assert matching([other, prerun, ours], package, ENVS["preview"]) == [ours]


def test_a_later_pre_run_does_not_hide_a_failed_install() -> None:
    desired = declared("ACTIVE", {"environment": "preview"})
    remote = remote_of(desired, version=1)
    history = [inst("preview", "FAILED", remote.id, at="2026-01-01T00:00:00.000Z", ident="f"),
               inst("preview", "PREPARING", remote.id, at="2026-01-02T00:00:00.000Z")]
    planned = installs_of(desired, [remote], {remote.id: history})["preview"]
    assert planned.reason is Reason.INSTALL_FAILED
    assert (planned.data()["before"] or {})["installation_id"] == "f"


def test_pending_envs_lists_the_runnable_installs_of_each_package() -> None:
    first = declared("TESTING", {"environment": "sandbox"}, {"environment": "production"},
                     {"environment": "preview"})
    second = declared("ACTIVE", {"environment": "production"}, name="Campaign Launch",
                      entities=("Campaign Launch",))
    result = plan([first, second], [], settings())
    assert [a.kind for a in result.actions].count(ActionKind.CREATE) == 2
    assert pending_envs(result.actions) == {NAME: ["sandbox", "preview"],
                                            "Campaign Launch": ["production"]}
    assert pending_envs([]) == {}


def test_needs_history_asks_for_the_selected_packages_with_installs_only() -> None:
    onboarding = declared("ACTIVE", {"environment": "preview"})
    launch = declared("ACTIVE", {"environment": "preview"}, name="Campaign Launch",
                      entities=("Campaign Launch",))
    quiet = spec("Agency Offboarding")   # declares no installs
    remote = [remote_of(onboarding), remote_of(launch), remote_of(quiet)]
    ids = {r.name: r.id for r in remote}
    everything = [onboarding, launch, quiet]
    assert prepare(everything, remote, settings()).histories == {ids[NAME], ids["Campaign Launch"]}
    assert prepare(everything, remote, settings(targets=("Campaign*",))).histories == {
        ids["Campaign Launch"]}
    assert prepare(everything, remote, settings(excludes=("Campaign*",))).histories == {ids[NAME]}
    assert prepare([quiet], remote, settings()).histories == set()


def test_needs_history_follows_a_stale_pin_to_our_successor() -> None:
    desired = declared("ACTIVE", {"environment": "preview"})
    retired = remote_of(desired, status="DISABLED", id="11111111-1111-1111-1111-111111111111")
    successor = remote_of(desired, id="22222222-2222-2222-2222-222222222222")
    pinned = desired.model_copy(update={"id": retired.id})
    assert prepare([pinned], [retired, successor], settings()).histories == {successor.id}
