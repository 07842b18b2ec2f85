"""One fault kind at a time, on the wire in front of the simulator (real HTTP on 127.0.0.1).

For each kind: a baseline is applied cleanly, then one change of every kind (update, replace,
disable, create) is applied while the fault fires (on the create's POST, and at random on
other requests). Invariants: a clear outcome (exit 0, or exit 1 with a message; never a
traceback), never a duplicate package, and a clean second run converges with nothing lost
(the plan after it is empty, every declared package is there with its status and content).

Also here: assembly failure, and an install whose record ends FAILED (installs landed on main
while this suite was written; one scenario covers them, a rival record created between the
pre-run and the install).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chaos import KINDS, Rule, serve_chaos
from relkit import (
    INJECTED,
    TALLY,
    RelRepo,
    baseline,
    check_clear,
    check_no_duplicates,
    converge,
    doc,
    edit,
)

from reconciler.clock import FakeClock

# (kind, profile): every kind on the current profile, the lost-answer kinds on 2023 too.
CASES = [(kind, "current") for kind in KINDS] + [
    (kind, "2023") for kind in ("503", "reset_after", "malformed", "truncated", "timeout",
                                "unknown_status")]


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REL_CLIENT_ID", "rel-client")
    monkeypatch.setenv("REL_CLIENT_SECRET", "rel-secret-3c1d9e")


@pytest.mark.parametrize(("kind", "profile"), CASES, ids=[f"{k}-{p}" for k, p in CASES])
def test_fault_kind(tmp_path: Path, kind: str, profile: str) -> None:
    clock = FakeClock()
    with serve_chaos(profile=profile, tokens=True, assembly_seconds=2.0, clock=clock) as sim:
        repo = RelRepo(tmp_path, sim, tokens=True, clock=clock)
        repo.write_config(assembly=2.0)
        _run(repo, kind)


def _run(repo: RelRepo, kind: str) -> None:
    chaos = repo.sim.chaos  # type: ignore[attr-defined]
    context = f"fault {kind} ({repo.sim.profile})"
    baseline(repo)
    code, out, err = repo.apply()
    assert code == 0, out + err
    edit(repo)
    chaos.set_rules([Rule(kind, method="POST", path=r"/packages$", times=1),
                     Rule(kind, probability=0.25, times=2)], seed=len(kind))
    code, out, err = repo.apply()
    injected = sum(chaos.injected.values())
    INJECTED.update(chaos.injected)
    chaos.injected.clear()
    chaos.set_rules([])
    TALLY["fault runs"] += 1
    assert injected >= 1, f"{context}: the fault never fired"
    check_clear(code, out, err, context)
    check_no_duplicates(repo.packages(), context, strict=False)
    converge(repo, context)


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_fault_kind_assembly_failure(tmp_path: Path, profile: str) -> None:
    """The service cannot assemble a package (an object missing from the source): the run
    says which, leaves nothing behind, and converges once the file is fixed."""
    clock = FakeClock()
    with serve_chaos(profile=profile, assembly_seconds=2.0, clock=clock) as sim:
        repo = RelRepo(tmp_path, sim, clock=clock)
        repo.write_config(assembly=2.0)
        baseline(repo)
        assert repo.apply()[0] == 0
        edit(repo)
        missing = "0123456789abcdef0123456789abcdef"
        repo.put("d.json", doc("Dashboard Pack", ("PTLTAB:Executive Portfolio Overview",
                                                  missing), status="ACTIVE"))
        code, out, err = repo.apply()
        INJECTED["assembly_failure"] += 1
        TALLY["fault runs"] += 1
        context = f"fault assembly_failure ({profile})"
        check_clear(code, out, err, context)
        assert code == 1
        failed = [r for r in json.loads(out)["results"] if r["outcome"] == "failed"]
        assert [r["name"] for r in failed] == ["Dashboard Pack"]
        assert f"TMPL {missing} does not exist in sandbox" in failed[0]["error"]
        assert [p for p in repo.packages() if p.name == "Dashboard Pack"] == []
        check_no_duplicates(repo.packages(), context, strict=True)
        repo.put("d.json", doc("Dashboard Pack", ("PTLTAB:Executive Portfolio Overview",),
                               status="ACTIVE"))
        converge(repo, context)


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_fault_kind_install_records_failed(tmp_path: Path, profile: str) -> None:
    """Between the pre-run and the install, someone creates a group of the same name in the
    target: the install's record FAILED (group names are unique). The run says which record
    failed; the next run installs again (the pre-run now proposes the existing group)."""
    from reconciler.simulator.seed import SourceRecord

    clock = FakeClock()
    with serve_chaos(profile=profile, clock=clock) as sim:
        repo = RelRepo(tmp_path, sim, clock=clock)
        repo.write_config()
        package = doc("Partner Groups", ("GROUP:Agency Partners",), status="TESTING")
        package["install"] = [{"environment": "preview"}]
        repo.put("groups.json", package)
        core = sim.state
        original = core.install

        def install_after_a_rival(installation_id: str, env: str, *args: object) -> object:
            rival = SourceRecord("GROUP", "f" * 32, "Agency Partners")
            core.world.environments[env].records[rival.ID] = rival
            core.install = original  # type: ignore[method-assign]  # once
            return original(installation_id, env, *args)  # type: ignore[arg-type]

        core.install = install_after_a_rival  # type: ignore[method-assign]
        code, out, err = repo.apply()
        INJECTED["install records FAILED"] += 1
        TALLY["fault runs"] += 1
        context = f"fault install records FAILED ({profile})"
        check_clear(code, out, err, context)
        assert code == 1, out + err
        [failed] = [r for r in json.loads(out)["results"] if r["outcome"] == "failed"]
        assert failed["action"] == "install" and "Agency Partners" in failed["error"], failed
        converge(repo, context)
        installs = core.list_installations(None)
        assert [i.status for i in installs if i.environment == "preview"][-1] == "INSTALLED"
