"""Rollback by ``git revert`` (issue 22, part 1), end to end over HTTP against the simulator.

The story: content A (one template) is installed into preview then production; the sandbox
template is edited and content B (it and one more, ``existing: overwrite``) is installed, so
the targets hold B's template; the sandbox moves on again; the files go back to A. Under
``current`` the plan re-uses A's package (no assembly from today's sandbox) and installs it
overwriting, so production holds A's template again. Where the service refuses to make a
DISABLED package usable again, and under ``api: 2023`` (no OVERWRITING), the content is
assembled again instead, and the plan or the apply says so in words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, new_repo, sid

from reconciler.cli import run
from reconciler.plan.ownership import parse_marker
from reconciler.simulator.behaviour import Behaviour
from reconciler.simulator.server import SimulatorHandle

NAME = "Launch Kit"
MAIN = sid("TMPL", "New Agency Offboarding")    # not seeded in the targets: created there
EXTRA = sid("TMPL", "Campaign Launch")


def kit(*, b: bool, overwrite: bool = True) -> dict[str, Any]:
    templates = [{"ID": MAIN, "name": "New Agency Offboarding"}]
    if b:
        templates.append({"ID": EXTRA, "name": "Campaign Launch"})
    existing = {"existing": "overwrite"} if b and overwrite else {}
    return {"name": NAME, "description": "rollback (tests)", "source": "sandbox",
            "status": "ACTIVE", "objectCollections": [{"objCode": "TMPL", "entities": templates}],
            "install": [{"environment": "preview", **existing},
                        {"environment": "production", "after": ["preview"], **existing}]}


def edit_sandbox(repo: Repo, text: str) -> None:
    repo.sim.state.world.environments["sandbox"].records[MAIN].description = text


def holds(repo: Repo, env: str) -> str | None:
    found = repo.sim.state.world.environments[env].find("TMPL", "New Agency Offboarding")
    return found.description if found is not None else None


def cli(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    # --force: with one package managed, its production overwrite trips the blast radius
    code = run(["--config", str(repo.config_path), "--no-color", *args, "--force"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def rolled_back(repo: Repo, ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """Production holds A's template again, A's package is the live one, B's retired, and
    the next plan is empty."""
    assert holds(repo, "production") == "content A"
    assert {p.id: p.status for p in repo.live(NAME)} == {ids["A"]: "ACTIVE",
                                                        ids["B"]: "DISABLED"}
    code, text = cli(repo, capsys, "plan")
    assert code == 0 and "No changes." in text, text


def a_then_b(repo: Repo, *, overwrite: bool = True) -> dict[str, str]:
    """A installed, then B; the sandbox moved on; the files back at A. The ids by content."""
    edit_sandbox(repo, "content A")
    repo.put("kit.json", kit(b=False))
    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    [a] = repo.live(NAME)
    edit_sandbox(repo, "content B")
    repo.put("kit.json", kit(b=True, overwrite=overwrite))
    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    [b] = [p for p in repo.live(NAME) if p.id != a.id]
    edit_sandbox(repo, "the sandbox moved on")
    repo.put("kit.json", kit(b=False))           # git revert
    return {"A": a.id, "B": b.id}


def test_a_revert_re_uses_the_earlier_package_and_returns_the_targets_to_it(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    assert holds(repo, "production") == "content B"

    code, text = cli(repo, capsys, "plan")
    assert code == 0, text
    assert f"<- {NAME}  rollback to package {ids['A'][:8]} assembled 20" in text
    assert "installed in preview, production until 20" in text
    assert f"package {ids['B']} (retired)" in text
    assert "overwrites, where a target holds them: TMPL New Agency Offboarding" in text
    assert 'existing: "overwrite" (rollback; declared "use")' in text
    assert "1 to roll back" in text
    # production counts in the blast radius: named as a production overwrite
    assert "into production environment 'production' overwrites every record the pre-run " \
           "matches in production (a rollback)" in text

    code, comment = cli(repo, capsys, "plan", "--format", "markdown")
    assert code == 0 and "rollback to package" in comment and "| Rollback |" in comment

    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    assert holds(repo, "production") == holds(repo, "preview") == "content A"
    # no package was assembled: A's is live again, B's is retired
    by_id = {p.id: p for p in repo.live(NAME)}
    assert set(by_id) == set(ids.values())
    assert (by_id[ids["A"]].status, by_id[ids["B"]].status) == ("ACTIVE", "DISABLED")
    marker = parse_marker(by_id[ids["A"]].description)
    assert marker is not None and marker.rollback and marker.prior

    code, text = cli(repo, capsys, "plan")
    assert code == 0 and "No changes." in text, text


def test_a_refused_re_activation_assembles_again_and_says_so(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    repo.sim.state.behaviour = Behaviour(reactivation="refuse")

    code, text = cli(repo, capsys, "plan")
    assert code == 0 and "if the service refuses to re-use it: the content is assembled " \
                         "again from today's sandbox" in text, text

    code, out, err = repo.apply(output_format="json", force=True)
    assert code == 0, out + err
    report = json.loads(out)
    [rollback] = [r for r in report["results"] if r["action"] == "rollback"]
    said = " ".join(rollback["details"])
    assert f"refused to make the earlier package {ids['A']} ACTIVE again" in said
    assert "cannot be re-used" in said and "assembled again as package" in said
    live = {p.id: p.status for p in repo.live(NAME)}
    new = [i for i in live if i not in ids.values()]
    assert len(new) == 1 and live[new[0]] == "ACTIVE"
    assert (live[ids["A"]], live[ids["B"]]) == ("DISABLED", "DISABLED")
    # installed as declared (existing: use): the targets keep what they hold
    assert holds(repo, "production") == "content B"

    code, text = cli(repo, capsys, "plan")
    assert code == 0 and "No changes." in text, text


def test_a_rollback_stopped_after_the_re_activation_finishes_on_the_next_run(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A run killed right after its first write (the earlier package ACTIVE again, the later
    one still live, nothing installed): the next run retires the later one and still
    installs overwriting, because the marker says the package was re-used."""
    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    saved = tmp_path / "plan.json"
    code, text = cli(repo, capsys, "plan", "--out", str(saved))
    assert code == 0, text
    [action] = [a for a in json.loads(saved.read_text())["actions"]
                if a["action"] == "rollback"]
    # the first write of that rollback, as the killed run sent it
    repo.sim.state.update_package(ids["A"], action["after"])

    code, text = cli(repo, capsys, "plan")
    assert code == 0, text
    assert f"package {NAME!r}: an earlier replace did not finish" in text
    assert 'existing: "overwrite" (rollback; declared "use")' in text
    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    rolled_back(repo, ids, capsys)


def test_under_2023_a_revert_says_why_it_cannot_roll_back_and_assembles_again(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile="2023"))
    ids = a_then_b(repo, overwrite=False)
    code, text = cli(repo, capsys, "plan")
    assert code == 0, text
    assert "rollback to package" not in text
    assert f"the declared content is what the earlier package {ids['A']}" in text
    assert "not possible under api: 2023" in text
    assert "instead it is assembled again from today's sandbox" in text
    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    assert len(repo.live(NAME)) == 3


def test_a_saved_rollback_plan_applies_and_prerun_says_why_it_waits(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    code, text = cli(repo, capsys, "plan", "--prerun")
    assert code == 0, text
    assert "not available, because a rollback makes the earlier package usable again" in text
    assert "TMPL New Agency Offboarding" in text
    saved = tmp_path / "rollback.json"
    code, text = cli(repo, capsys, "plan", "--out", str(saved))
    assert code == 0, text
    code, out, err = repo.apply(str(saved), force=True)
    assert code == 0, out + err
    rolled_back(repo, ids, capsys)


@pytest.mark.parametrize("answer", ["ignored", "forbidden"])
def test_a_re_activation_the_service_ignores_or_forbids_falls_back(
        answer: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A 200 that leaves the package DISABLED (it would install nowhere) or a 403: the
    earlier package cannot be re-used; the content is assembled again, the later version
    retired only then."""
    from reconciler.simulator.errors import SimError

    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    state = repo.sim.state
    original = state.update_package

    def service(package_id: str, changes: dict[str, Any]) -> Any:
        if package_id == ids["A"] and changes.get("status") not in (None, "DISABLED"):
            if answer == "forbidden":
                raise SimError(403, "not allowed to change a retired package")
            changes = {k: v for k, v in changes.items() if k != "status"}
        return original(package_id, changes)

    monkeypatch.setattr(state, "update_package", service)
    code, out, err = repo.apply(output_format="json", force=True)
    assert code == 0, out + err
    [rollback] = [r for r in json.loads(out)["results"] if r["action"] == "rollback"]
    assert "cannot be re-used" in " ".join(rollback["details"])
    live = {p.id: p.status for p in repo.live(NAME)}
    assert (live[ids["A"]], live[ids["B"]]) == ("DISABLED", "DISABLED")
    assert sorted(live.values()).count("ACTIVE") == 1
    code, text = cli(repo, capsys, "plan")
    assert code == 0 and "No changes." in text, text


def test_a_pinned_package_rolls_back_too(sim_server: Callable[..., SimulatorHandle],
                                          tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`id:` moved to B after the content change, then the content commit reverted."""
    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    repo.put("kit.json", {**kit(b=False), "id": ids["B"]})
    code, text = cli(repo, capsys, "plan")
    assert code == 0 and f"rollback to package {ids['A'][:8]}" in text, text
    assert f"change the line to `id: {ids['A']}`" in text
    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    assert holds(repo, "production") == "content A"
    code, text = cli(repo, capsys, "plan")
    assert code == 0 and "No changes." in text, text
    assert f"following it to {ids['A']}" in text


def test_a_file_restored_after_a_prune_rolls_back(sim_server: Callable[..., SimulatorHandle],
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile="current"))
    ids = a_then_b(repo)
    repo.remove("kit.json")
    code, out, err = repo.apply(force=True, allow_empty=True)   # B pruned: disabled
    assert code == 0, out + err
    repo.put("kit.json", kit(b=False))            # the file restored, as it was at A
    code, text = cli(repo, capsys, "plan")
    assert code == 0 and f"rollback to package {ids['A'][:8]}" in text, text
    code, out, err = repo.apply(force=True)
    assert code == 0, out + err
    rolled_back(repo, ids, capsys)
