"""apply against the simulator over real HTTP on 127.0.0.1, under both API profiles."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, new_repo, package_doc

from reconciler.simulator.faults import Faults
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]
PROFILES = ["current", "2023"]


@pytest.fixture(params=PROFILES)
def repo(request: pytest.FixtureRequest, sim_server: StartSim, tmp_path: Path) -> Repo:
    return new_repo(tmp_path, sim_server(profile=request.param))


def report_of(stdout: str) -> dict[str, Any]:
    return json.loads(stdout)


def converged(repo: Repo) -> None:
    """A second apply finds nothing to do."""
    code, out, _ = repo.apply(output_format="json")
    assert code == 0
    assert report_of(out)["results"] == []


def test_create_with_status_then_nothing_to_do(repo: Repo) -> None:
    repo.put("onboarding.yaml", package_doc("Agency Onboarding", "New Agency Onboarding",
                                            status="TESTING"),
             package_doc("Campaign Kit", "Campaign Launch"))
    code, out, err = repo.apply()
    assert code == 0, out + err
    assert "Apply: 2 applied, 0 failed, 0 skipped" in out
    assert "[create] Agency Onboarding: posted (id " in err
    [package] = repo.live("Agency Onboarding")
    assert package.status == "TESTING"
    assert repo.live("Campaign Kit")[0].status == "DRAFT"
    converged(repo)


def test_update_disable_and_replace(repo: Repo) -> None:
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding"))
    repo.put("b.yaml", package_doc("Agency Offboarding", "New Agency Offboarding"))
    assert repo.apply()[0] == 0
    # update (description + status), replace (content), disable (file removed)
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding",
                                   description="now with more words", status="ACTIVE"))
    repo.remove("b.yaml")
    repo.put("c.yaml", package_doc("Campaign Kit", "Campaign Launch", status="TESTING"))
    assert repo.apply()[0] == 0
    repo.put("c.yaml", package_doc("Campaign Kit", "Campaign Launch", "New Agency Offboarding",
                                   status="TESTING"))
    code, out, err = repo.apply(output_format="json")
    assert code == 0, out + err
    assert [(r["action"], r["outcome"]) for r in report_of(out)["results"]] == \
        [("replace", "applied")]
    [onboarding] = repo.live("Agency Onboarding")
    assert onboarding.status == "ACTIVE" and "more words" in onboarding.description
    assert [p.status for p in repo.live("Agency Offboarding")] == ["DISABLED"]
    kits = {p.status for p in repo.live("Campaign Kit")}
    # New package first, then the old one disabled, under both profiles (issue 19, item 2).
    assert kits == {"TESTING", "DISABLED"}
    converged(repo)


def test_delete_when_prune_is_delete(repo: Repo) -> None:
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding"))
    assert repo.apply()[0] == 0
    repo.write_config(prune="delete")
    repo.remove("a.yaml")
    code, out, err = repo.apply(allow_empty=True, output_format="json")
    assert code == 0, out + err
    assert report_of(out)["results"][0]["action"] == "delete"
    assert repo.live("Agency Onboarding") == []


def test_assembly_failure_is_reported_and_others_still_apply(repo: Repo) -> None:
    repo.put("bad.yaml", package_doc("Broken Package", "f" * 32, status="TESTING"))
    repo.put("good.yaml", package_doc("Good Package", "Campaign Launch"))
    code, out, _ = repo.apply(output_format="json")
    assert code == 1
    results = {r["name"]: r for r in report_of(out)["results"]}
    assert results["Good Package"]["outcome"] == "applied"
    assert results["Broken Package"]["outcome"] == "failed"
    assert "assembly failed" in results["Broken Package"]["error"]
    assert repo.live("Good Package")[0].status == "DRAFT"


def test_storms_of_429_and_503_still_converge(sim_server: StartSim, tmp_path: Path) -> None:
    faults = Faults(rate_limit=0.25, retry_after=0.0, error_rates={503: 0.25}, seed=7)
    repo = new_repo(tmp_path, sim_server(faults=faults))
    names = [f"Storm Package {i}" for i in range(6)]
    repo.put("storm.yaml", *(package_doc(n, "Campaign Launch", status="TESTING")
                             for n in names))
    for _ in range(3):  # each run converges further; a rerun finishes what a storm broke
        if repo.apply()[0] == 0:
            break
    repo.sim.set_faults(Faults())
    for name in names:
        assert [p.status for p in repo.live(name)] == ["TESTING"], name
    converged(repo)


def test_dropped_connection_after_commit_makes_no_duplicate(repo: Repo) -> None:
    repo.sim.set_faults(Faults(drop_first=2))
    repo.put("a.yaml", package_doc("Agency Onboarding", "New Agency Onboarding",
                                   status="TESTING"),
             package_doc("Campaign Kit", "Campaign Launch"))
    code, out, err = repo.apply()
    assert code == 0, out + err
    assert "found after lost answer" in err
    assert len(repo.live("Agency Onboarding")) == 1
    assert len(repo.live("Campaign Kit")) == 1
    assert repo.live("Agency Onboarding")[0].status == "TESTING"
    converged(repo)
