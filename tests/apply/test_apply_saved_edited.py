"""A saved plan is bound to what it will do (issue 20, item 1).

Through the CLI against the simulator over HTTP: a plan with every kind of action is saved,
then each edit an editor could make (an action's body, entity ids, description, ids, kind,
reason, diffs, install target, overrides, `existing`, digests, owner, profile, paths, flags,
summary, verdict, warnings, an action added or removed) is applied with --auto-approve. Each
is refused with exit 1 and nothing is written; the untouched plan then applies, and a new plan
says "No changes.".
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import new_repo, sid

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

Edit = Callable[[dict[str, Any]], None]


def doc(name: str, *templates: str, description: str = "",
        install: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": name, "description": description or f"{name} (tests)",
            "source": "sandbox", "status": "ACTIVE",
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": sid("TMPL", t), "name": t} for t in templates]}],
            "install": install or []}


def action(data: dict[str, Any], kind: str, name: str | None = None) -> dict[str, Any]:
    return next(a for a in data["actions"]
                if a["action"] == kind and (name is None or a["name"] == name))


def recount(data: dict[str, Any]) -> None:
    """Keep the summary in step with the edited actions (so the edit itself is judged)."""
    summary = {k: 0 for k in data["summary"]}
    for item in data["actions"]:
        if item["action"] == "no-op":
            summary["unchanged"] += 1
        else:
            summary[item["action"]] += 1
            if item.get("blocked"):
                summary["blocked"] += 1
    data["summary"] = summary


def world(sim: SimulatorHandle) -> str:
    """Everything apply could write: the packages and the installations."""
    state = sim.state.world
    return repr(sorted(state.packages.items())) + repr(sorted(state.installations))


OFFBOARDING = sid("TMPL", "New Agency Offboarding")


def _entity_id(d: dict[str, Any]) -> None:
    action(d, "create")["after"]["objectCollections"][0]["entities"][0]["ID"] = OFFBOARDING


def _create_description(d: dict[str, Any]) -> None:
    after = action(d, "create")["after"]
    after["description"] = after["description"].replace("Alpha (tests)", "Something else")


def _create_name(d: dict[str, Any]) -> None:
    item = action(d, "create")
    item["name"] = item["after"]["name"] = "Alpha Renamed"


def _create_source(d: dict[str, Any]) -> None:
    action(d, "create")["after"]["source"] = "http://127.0.0.1:9/elsewhere"


def _create_status(d: dict[str, Any]) -> None:
    item = action(d, "create")
    item["desired_status"] = item["after"]["desired_status"] = "TESTING"


def _marker_digest(d: dict[str, Any]) -> None:
    after = action(d, "create")["after"]
    after["description"] = after["description"][:-64] + "0" * 64


def _update_description(d: dict[str, Any]) -> None:
    action(d, "update")["after"]["description"] = "Bravo, as nobody declared it"


def _update_target(d: dict[str, Any]) -> None:
    echo = action(d, "no-op", "Echo Package")
    item = action(d, "update")
    item["package_id"] = item["before"]["id"] = echo["package_id"]


def _replace_entity(d: dict[str, Any]) -> None:
    action(d, "replace")["after"]["objectCollections"][0]["entities"][0]["ID"] = OFFBOARDING


def _replace_strategy(d: dict[str, Any]) -> None:
    item = action(d, "replace")
    item["strategy"] = "put" if item["strategy"] == "create_then_disable" \
        else "create_then_disable"
    if item["strategy"] == "put":
        item.pop("desired_status", None)
        item["after"].pop("desired_status", None)
        item["after"]["status"] = "ACTIVE"
    else:
        item["after"].pop("status", None)
        item["desired_status"] = item["after"]["desired_status"] = "ACTIVE"


def _disable_target(d: dict[str, Any]) -> None:
    echo = action(d, "no-op", "Echo Package")
    item = action(d, "disable")
    item["package_id"] = item["before"]["id"] = echo["package_id"]
    item["name"] = item["before"]["name"] = "Echo Package"


def _kind(d: dict[str, Any]) -> None:
    item = action(d, "disable")
    item["action"], item["after"] = "delete", None
    recount(d)


def _reason(d: dict[str, Any]) -> None:
    action(d, "update")["reason"] = "adopted"


def _diffs(d: dict[str, Any]) -> None:
    action(d, "update")["diffs"] = []


def _install_environment(d: dict[str, Any]) -> None:
    item = action(d, "install")
    item["environment"] = item["after"]["environment"] = "production"


def _install_overrides(d: dict[str, Any]) -> None:
    action(d, "install")["after"]["overrides"] = {"TMPL": {sid("TMPL", "Campaign Launch"):
                                                           "IGNORE"}}


def _install_existing(d: dict[str, Any]) -> None:
    action(d, "install")["after"]["existing"] = "overwrite"


def _removed(d: dict[str, Any]) -> None:
    d["actions"].remove(action(d, "disable"))
    recount(d)


def _added(d: dict[str, Any]) -> None:
    extra = copy.deepcopy(action(d, "install"))
    extra["environment"] = extra["after"]["environment"] = "production"
    d["actions"].append(extra)
    recount(d)


def _noop_to_update(d: dict[str, Any]) -> None:
    item = action(d, "no-op", "Echo Package")
    item.update(action="update", reason="fields_changed",
                after={"description": "Echo Package, rewritten"})
    recount(d)


def _summary(d: dict[str, Any]) -> None:
    d["summary"]["create"] += 1


def _verdict(d: dict[str, Any]) -> None:
    d["safety"] = {"status": "allowed", "rule": "threshold", "message": "edited",
                   "flag": "--force", "affected": 1, "managed": 4, "limit_percent": 30.0}


def _warnings(d: dict[str, Any]) -> None:
    d["warnings"] = ["all good, nothing to see"]


def _desired_digest(d: dict[str, Any]) -> None:
    d["desired_digest"] = "0" * 64


def _fingerprint_dropped(d: dict[str, Any]) -> None:
    key = next(iter(d["remote_fingerprints"]))
    del d["remote_fingerprints"][key]


def _fingerprint_changed(d: dict[str, Any]) -> None:
    key = next(iter(d["remote_fingerprints"]))
    d["remote_fingerprints"][key] = "0" * 64


def _owner(d: dict[str, Any]) -> None:
    d["owner"] = "someone-else"


def _profile(d: dict[str, Any]) -> None:
    d["profile"] = "2023" if d["profile"] != "2023" else "current"


def _paths(d: dict[str, Any]) -> None:
    d["paths"] = ["promotions/b.yaml"]


def _targets(d: dict[str, Any]) -> None:
    d["warnings"] = ["partial plan: only packages matching 'Alpha' are considered; every "
                     "other package is left as it is"]


def _scope(d: dict[str, Any]) -> None:
    d["scope"] = {"complete": False, "out_of_scope": 0, "reason": "edited"}


EDITS: dict[str, Edit] = {
    "create: an entity ID": _entity_id,
    "create: the description": _create_description,
    "create: the name": _create_name,
    "create: the source": _create_source,
    "create: the status set after assembly": _create_status,
    "create: the marker's digest in the description": _marker_digest,
    "update: the description": _update_description,
    "update: the package id (another package)": _update_target,
    "update: the reason": _reason,
    "update: the diffs shown": _diffs,
    "replace: an entity ID": _replace_entity,
    "replace: the strategy": _replace_strategy,
    "disable: the package id (another package)": _disable_target,
    "action kind: disable -> delete": _kind,
    "no-op turned into an update": _noop_to_update,
    "install: the target environment": _install_environment,
    "install: overrides added": _install_overrides,
    "install: existing use -> overwrite": _install_existing,
    "an action removed": _removed,
    "an action added": _added,
    "summary": _summary,
    "safety verdict": _verdict,
    "warnings": _warnings,
    "scope": _scope,
    "desired_digest": _desired_digest,
    "remote_fingerprints: one dropped": _fingerprint_dropped,
    "remote_fingerprints: one changed": _fingerprint_changed,
    "owner": _owner,
    "API profile": _profile,
    "paths": _paths,
    "a --target selection added (its warning)": _targets,
}


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_every_edit_of_a_saved_plan_is_refused_and_nothing_is_written(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("b.yaml", doc("Bravo", "Campaign Launch"))
    repo.put("c.yaml", doc("Charlie", "New Agency Onboarding"))
    repo.put("d.yaml", doc("Delta", "Campaign Launch"))
    repo.put("e.yaml", doc("Echo Package", "New Agency Offboarding"))
    assert repo.apply()[0] == 0
    repo.put("a.yaml", doc("Alpha", "Campaign Launch", install=[{"environment": "preview"}]))
    repo.put("b.yaml", doc("Bravo", "Campaign Launch", description="Bravo, as declared now"))
    repo.put("c.yaml", doc("Charlie", "New Agency Onboarding", "Campaign Launch"))
    (repo.root / "promotions" / "d.yaml").unlink()
    config = str(repo.config_path)
    saved = tmp_path / "plan.json"
    assert run(["--config", config, "plan", "--out", str(saved)]) == 0
    original = json.loads(saved.read_text(encoding="utf-8"))
    assert original["format_version"] == "1.6" and original["safety"] is None
    kinds = sorted(a["action"] for a in original["actions"])
    assert kinds == ["create", "disable", "install", "no-op", "replace", "update"], kinds
    capsys.readouterr()
    before = world(repo.sim)

    outcomes: dict[str, tuple[int, str]] = {}
    for label, edit in EDITS.items():
        data = copy.deepcopy(original)
        edit(data)
        assert data != original, label
        edited = tmp_path / "edited.json"
        edited.write_text(json.dumps(data, indent=2), encoding="utf-8")
        code = run(["--config", config, "apply", "--auto-approve", str(edited)])
        err = capsys.readouterr().err
        outcomes[label] = (code, err.strip().splitlines()[0] if err.strip() else "")
        assert world(repo.sim) == before, f"{label}: the remote was written"
        assert "Traceback" not in err, err
    accepted = {label: msg for label, (code, msg) in outcomes.items() if code != 1}
    assert not accepted, accepted
    with capsys.disabled():  # the table of edits and refusals, for `pytest -s`
        print("\n".join(f"{label}: {msg}" for label, (_c, msg) in outcomes.items()))

    # Also with --replan-if-stale: an edited plan is never swapped for a new one.
    data = copy.deepcopy(original)
    _entity_id(data)
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    assert run(["--config", config, "apply", "--auto-approve", "--replan-if-stale",
                str(edited)]) == 1
    assert "does not match the plan its package files make" in capsys.readouterr().err
    assert world(repo.sim) == before

    # The plan as saved applies, and then the files and the remote agree.
    assert run(["--config", config, "apply", "--auto-approve", str(saved)]) == 0
    capsys.readouterr()
    assert run(["--config", config, "plan", "--detailed-exitcode"]) == 0
    assert "No changes." in capsys.readouterr().out


def test_the_issue_case_an_edited_entity_id_is_refused_with_one_clear_message(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server())
    repo.put("a.yaml", doc("Alpha", "Campaign Launch"))
    config = str(repo.config_path)
    saved = tmp_path / "plan.json"
    assert run(["--config", config, "plan", "--out", str(saved)]) == 0
    data = json.loads(saved.read_text(encoding="utf-8"))
    _entity_id(data)
    saved.write_text(json.dumps(data, indent=2), encoding="utf-8")
    capsys.readouterr()
    assert run(["--config", config, "apply", "--auto-approve", str(saved)]) == 1
    err = capsys.readouterr().err
    assert "the saved plan does not match the plan its package files make" in err
    assert "create 'Alpha'" in err and "after.objectCollections[0].entities[0].ID" in err
    assert "nothing was changed" in err and "wfpromote plan --out plan.json" in err
    assert repo.sim.state.world.packages == {}


def test_plans_made_with_flags_are_made_again_with_them_and_apply(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The flags a plan was made with are read back from the plan (the selection warning,
    the reasons, the verdict): --target, --exclude, --replace and --force plans apply."""
    repo = new_repo(tmp_path, sim_server())
    repo.put("a.yaml", doc("Alpha", "Campaign Launch"))
    repo.put("b.yaml", doc("Bravo", "New Agency Onboarding"))
    repo.put("c.yaml", doc("Charlie", "New Agency Offboarding"))
    config = str(repo.config_path)
    saved = tmp_path / "plan.json"

    def names() -> list[str]:
        return sorted(p.name for p in repo.sim.state.world.packages.values()
                      if p.status != "DISABLED")

    assert run(["--config", config, "plan", "--target", "A*", "--target", "Bravo",
                "--exclude", "Bravo", "--out", str(saved)]) == 0
    capsys.readouterr()
    assert run(["--config", config, "apply", str(saved)]) == 0
    assert names() == ["Alpha"]
    assert run(["--config", config, "apply", "--auto-approve"]) == 0
    (repo.root / "promotions" / "a.yaml").unlink()   # disable 2 of 3: needs --force
    (repo.root / "promotions" / "b.yaml").unlink()
    assert run(["--config", config, "plan", "--force", "--out", str(saved)]) == 0
    assert json.loads(saved.read_text(encoding="utf-8"))["safety"]["status"] == "allowed"
    capsys.readouterr()
    assert run(["--config", config, "apply", str(saved)]) == 0, capsys.readouterr().err
    assert names() == ["Charlie"]
    assert run(["--config", config, "plan", "--replace", "Charlie", "--out", str(saved)]) == 0
    assert "replace_requested" in saved.read_text(encoding="utf-8")
    capsys.readouterr()
    assert run(["--config", config, "apply", str(saved)]) == 0, capsys.readouterr().err
    assert names() == ["Charlie"]


def test_an_install_made_since_is_kept_only_as_its_file_declares_it(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The one difference a saved plan may show: an install made since it was saved (the new
    plan no longer holds it). Kept as declared, it is found done and not repeated; edited, it
    is refused like any other action."""
    repo = new_repo(tmp_path, sim_server())
    repo.put("a.yaml", doc("Alpha", "Campaign Launch", install=[{"environment": "preview"}]))
    assert repo.apply()[0] == 0
    repo.put("a.yaml", doc("Alpha", "Campaign Launch", install=[
        {"environment": "preview"}, {"environment": "sandbox"}]))
    config = str(repo.config_path)
    saved = tmp_path / "plan.json"
    assert run(["--config", config, "plan", "--out", str(saved)]) == 0
    assert repo.apply()[0] == 0          # someone installs into sandbox meanwhile
    count = len(repo.sim.state.world.installations)
    original = json.loads(saved.read_text(encoding="utf-8"))
    edits: dict[str, Edit] = {
        "existing": lambda d: action(d, "install")["after"].update(existing="overwrite"),
        "overrides": lambda d: action(d, "install")["after"].update(
            overrides={"TMPL": {sid("TMPL", "Campaign Launch"): "IGNORE"}}),
        "reason": lambda d: action(d, "install").update(reason="new_version"),
        "package id": lambda d: action(d, "install").update(package_id="0" * 32),
    }
    for label, edit in edits.items():
        data = copy.deepcopy(original)
        edit(data)
        edited = tmp_path / "edited.json"
        edited.write_text(json.dumps(data), encoding="utf-8")
        capsys.readouterr()
        assert run(["--config", config, "apply", str(edited)]) == 1, label
        assert "does not match the plan its package files make" in capsys.readouterr().err
        assert len(repo.sim.state.world.installations) == count, label
    assert run(["--config", config, "apply", str(saved)]) == 0
    assert "already installed" in capsys.readouterr().err
    assert len(repo.sim.state.world.installations) == count
