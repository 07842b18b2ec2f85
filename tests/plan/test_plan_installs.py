"""The pure side of installs: gates, the history as data, the edited translation map."""

from __future__ import annotations

import pytest
from plan_factories import CURRENT, OWNER, remote_of, spec

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import Installation, TranslationEntry, environment_key
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan
from reconciler.plan.settings import PlanSettings
from reconciler.plan.translation import MapRefused, edit_map

ENVS = {"sandbox": "https://acme.sb01.workfront.com",
        "preview": "https://acme.preview.workfront.com",
        "production": "https://acme.my.workfront.com"}
KINDS = {"sandbox": "sandbox", "preview": "preview", "production": "production"}


def settings(**extra: object) -> PlanSettings:
    return PlanSettings(owner=OWNER, capabilities=CURRENT, environments=ENVS,
                        environment_kinds=KINDS, **extra)  # type: ignore[arg-type]


def with_installs(status: str, *steps: dict[str, object]) -> PackageSpec:
    base = spec("Agency Onboarding", status=status)
    return base.model_copy(update={"install": tuple(
        PackageSpec.model_validate({**base.model_dump(exclude={"definition_content",
                                                              "origin"}),
                                    "install": [s]}).install[0] for s in steps)})


def inst(env: str, status: str, package_id: str, version: int | None = 1,
         at: str = "2026-01-01T00:00:00.000Z") -> Installation:
    return Installation(id=f"{env}-{status}-{at}", environmentPromotionPackageId=package_id,
                        environmentPromotionPackageVersion=version, status=status,
                        environment=environment_key(env), registeredAt=at)


def installs(desired: PackageSpec, history: list[Installation], **extra: object) -> dict:
    remote = remote_of(desired, version=1)
    result = plan([desired], [remote], settings(**extra), {remote.id: history})
    return {a.environment: a for a in result.actions if a.kind is ActionKind.INSTALL}


def test_done_installs_are_not_planned_and_hosts_are_normalised() -> None:
    desired = with_installs("ACTIVE", {"environment": "preview"},
                            {"environment": "production", "after": ["preview"]})
    pid = remote_of(desired).id
    planned = installs(desired, [inst("acme.preview.workfront.com", "INSTALLED", pid),
                                 inst("HTTPS://Acme.My.Workfront.com/", "COMPLETED", pid)])
    assert planned == {}


def test_preparing_never_counts_and_a_failure_is_retried() -> None:
    desired = with_installs("ACTIVE", {"environment": "preview"},
                            {"environment": "production", "after": ["preview"]})
    pid = remote_of(desired).id
    planned = installs(desired, [
        inst("https://acme.preview.workfront.com", "PREPARING", pid),
        inst("acme.my.workfront.com", "INSTALLED", pid, at="2026-01-01T00:00:00.000Z"),
        inst("acme.my.workfront.com", "FAILED", pid, at="2026-01-02T00:00:00.000Z")])
    assert planned["preview"].reason is Reason.INSTALL_REQUESTED
    assert "production" not in planned   # one success is enough: never repeated
    failed = installs(desired, [inst("acme.preview.workfront.com", "INSTALL_FAILED", pid)])
    assert failed["preview"].reason is Reason.INSTALL_FAILED
    assert failed["production"].data()["after"]["gates"] == ["after preview: planned"]


def test_another_version_or_package_does_not_count() -> None:
    desired = with_installs("ACTIVE", {"environment": "preview"})
    pid = remote_of(desired).id
    assert "preview" in installs(desired, [inst("acme.preview.workfront.com", "INSTALLED",
                                                pid, version=2)])
    assert "preview" in installs(desired, [inst("acme.preview.workfront.com", "INSTALLED",
                                                "another-package")])


@pytest.mark.parametrize(("status", "env", "reason"), [
    ("TESTING", "production", "cannot be installed into a production environment"),
    ("DRAFT", "preview", "cannot be installed anywhere"),
    ("DISABLED", "sandbox", "cannot be installed anywhere"),
])
def test_status_gates(status: str, env: str, reason: str) -> None:
    planned = installs(with_installs(status, {"environment": env}), [])
    assert reason in (planned[env].blocked or "")


def test_after_gate_and_reinstall() -> None:
    desired = with_installs("TESTING", {"environment": "production"},
                            {"environment": "preview", "after": ["production"]})
    planned = installs(desired, [])
    assert planned["preview"].blocked == ("after production: the same version is not "
                                          "installed there (that install is blocked)")
    desired = with_installs("ACTIVE", {"environment": "preview"})
    pid = remote_of(desired).id
    done = [inst("acme.preview.workfront.com", "INSTALLED", pid)]
    assert installs(desired, done) == {}
    again = installs(desired, done, reinstall=frozenset({"preview"}))
    assert again["preview"].reason is Reason.REINSTALL_REQUESTED


def test_installs_follow_a_create_in_install_list_order() -> None:
    desired = with_installs("ACTIVE", {"environment": "sandbox"}, {"environment": "preview"},
                            {"environment": "production", "after": ["sandbox"]})
    result = plan([desired], [], settings(), {})
    kinds = [(a.kind, a.environment) for a in result.actions]
    assert kinds == [(ActionKind.CREATE, None), (ActionKind.INSTALL, "sandbox"),
                     (ActionKind.INSTALL, "preview"), (ActionKind.INSTALL, "production")]
    assert all(a.reason is Reason.NEW_VERSION for a in result.actions[1:])


def entry(action: str, target: str = "", name: str = "x") -> TranslationEntry:
    return TranslationEntry(name=name, action=action, isValid=True, targetId=target)


PRERUN = {"TMPL": {"a" * 32: entry("CREATE", "", "Onboarding"),
                   "b" * 32: entry("USEEXISTING", "1" * 32, "Launch")},
          "TTSK": {"c" * 32: entry("CREATE", "", "Kickoff")},
          "GROUP": {"d" * 32: entry("USEEXISTING", "2" * 32, "Default Group")}}


def test_unchanged_map_and_existing_overwrite() -> None:
    same = edit_map(PRERUN, existing="use", overrides={}, environment="preview")
    assert not same.changed
    over = edit_map(PRERUN, existing="overwrite", overrides={"GROUP": {"d" * 32: "USEEXISTING"}},
                    environment="preview")
    assert over.changed
    assert over.translation_map["TMPL"]["b" * 32].action == "OVERWRITING"
    assert over.translation_map["TMPL"]["b" * 32].targetId == "1" * 32
    assert over.translation_map["GROUP"]["d" * 32].action == "USEEXISTING"  # override wins


def test_target_ids_follow_the_action() -> None:
    edited = edit_map(PRERUN, existing="use", environment="preview", overrides={
        "TMPL": {"b" * 32: "CREATE"}, "GROUP": {"d" * 32: "IGNORE"}}).translation_map
    assert edited["TMPL"]["b" * 32].targetId == ""     # CREATE keeps no stale targetId
    assert edited["GROUP"]["d" * 32].targetId == ""    # nor does IGNORE
    assert PRERUN["GROUP"]["d" * 32].targetId == "2" * 32  # the pre-run is not changed


def test_overwriting_an_unmatched_record_is_an_error() -> None:
    with pytest.raises(MapRefused, match="matched nothing in the target for TMPL Onboarding "
                                         r"\(OVERWRITING\)") as caught:
        edit_map(PRERUN, existing="use", environment="preview",
                 overrides={"TMPL": {"a" * 32: "OVERWRITING"}}, origin="p/a.yaml:7")
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == ("p/a.yaml", 7)


def test_unknown_ids_and_the_cascade() -> None:
    with pytest.raises(MapRefused, match=f"TTSK {'e' * 32}"):
        edit_map(PRERUN, existing="use", environment="preview",
                 overrides={"TTSK": {"e" * 32: "IGNORE"}})
    with pytest.raises(MapRefused, match="TMPL Onboarding -> TTSK Kickoff"):
        edit_map(PRERUN, existing="use", environment="preview",
                 overrides={"TMPL": {"a" * 32: "IGNORE"}})
    ok = edit_map(PRERUN, existing="use", environment="preview",
                  overrides={"TMPL": {"a" * 32: "IGNORE"}, "TTSK": {"c" * 32: "IGNORE"}})
    assert ok.changed
    # ignoring a USEEXISTING parent needs no cascade (nothing would be created)
    edit_map(PRERUN, existing="use", environment="preview",
             overrides={"TMPL": {"b" * 32: "IGNORE"}})


def test_a_plan_with_blocked_installs_and_previews_round_trips() -> None:
    import dataclasses
    import json
    from pathlib import Path

    import jsonschema

    from reconciler.output.saved import plan_from_data, plan_to_data
    from reconciler.plan.model import PrerunPreview

    desired = with_installs("TESTING", {"environment": "preview", "existing": "overwrite"},
                            {"environment": "production", "after": ["preview"]})
    result = plan([desired], [], settings(), {})
    result = dataclasses.replace(result, previews=(PrerunPreview(
        "Agency Onboarding", "preview", {"CREATE": ("TMPL x",), "OVERWRITING": ()}),))
    data = json.loads(json.dumps(plan_to_data(result)))
    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" /
                         "plan.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["summary"]["blocked"] == 1 and data["summary"]["install"] == 2
    back = plan_from_data(data)
    assert back == result
    assert back.blocked[0].environment == "production"
