"""SIGKILL at random points of a real `wfpromote apply` process, then clean reruns.

The kill lands after a random number of requests has reached the server (the seed picks it;
it is in the test id). Covered: a replace of a package in each status, under both profiles
(create-then-disable under `current`, in place under `2023`), and a mixed change set.
Invariants: never a duplicate package (also right after the kill), and the next runs converge
with nothing lost.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from chaos import serve_chaos
from relkit import (
    RelRepo,
    baseline,
    check_no_duplicates,
    converge,
    doc,
    edit,
    kill_apply_when,
    seeds,
)

from reconciler.clock import RealClock

NAME = "Risk Register"
ASSEMBLY = 0.3
REPLACES = [(status, profile, seed) for status in ("DRAFT", "TESTING", "ACTIVE")
            for profile in ("current", "2023")
            for seed in seeds("kill-replace", 1, 8)]
MIXED = seeds("kill-mixed", 4, 60)


def _kill_after(repo: RelRepo, requests: int) -> bool:
    """Start an apply and SIGKILL it once ``requests`` more requests reached the server.
    Returns whether the kill happened (the apply may finish first)."""
    chaos = repo.sim.chaos  # type: ignore[attr-defined]
    start = chaos.requests
    return kill_apply_when(repo, lambda: chaos.requests >= start + requests, limit=30)


def _repo(tmp_path: Path, sim: object) -> RelRepo:
    repo = RelRepo(tmp_path, sim, clock=RealClock())  # type: ignore[arg-type]
    repo.write_config(assembly=ASSEMBLY)
    return repo


@pytest.mark.parametrize(("status", "profile", "seed"), REPLACES,
                         ids=[f"{s}-{p}-seed={n}" for s, p, n in REPLACES])
def test_kill_during_a_replace(tmp_path: Path, status: str, profile: str, seed: int) -> None:
    rng = random.Random(seed * 31 + len(status) + len(profile))
    with serve_chaos(profile=profile, assembly_seconds=ASSEMBLY) as sim:
        repo = _repo(tmp_path, sim)
        repo.put("risk.json", doc(NAME, ("New Agency Onboarding",), status=status))
        assert repo.apply()[0] == 0
        repo.put("risk.json", doc(NAME, ("New Agency Onboarding", "Campaign Launch"),
                                  status=status))
        at = rng.randint(1, 5)
        context = f"kill during a replace of a {status} package ({profile}, seed {seed}, " \
                  f"after {at} requests)"
        _kill_after(repo, at)
        check_no_duplicates(repo.packages(), context, strict=False)
        converge(repo, context)


@pytest.mark.parametrize("seed", MIXED, ids=[f"seed={s}" for s in MIXED])
def test_kill_during_a_mixed_apply(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    profile = rng.choice(("current", "2023"))
    with serve_chaos(profile=profile, assembly_seconds=ASSEMBLY) as sim:
        repo = _repo(tmp_path, sim)
        baseline(repo)
        assert repo.apply()[0] == 0
        edit(repo)
        at = rng.randint(1, 10)
        context = f"kill during a mixed apply ({profile}, seed {seed}, after {at} requests)"
        _kill_after(repo, at)
        check_no_duplicates(repo.packages(), context, strict=False)
        converge(repo, context)
