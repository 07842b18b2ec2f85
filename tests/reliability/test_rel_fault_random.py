"""Seeded random fault runs over HTTP: random packages, random edits, a random mix of fault
kinds at random rates, then clean reruns. The seed is in the test id and in every message;
replay one with ``WFPROMOTE_SEED=N pytest tests/reliability/test_rel_fault_random.py``.
`make test` runs a bounded number of seeds, `make soak` many more.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from chaos import KINDS, Rule, serve_chaos
from relkit import (
    INJECTED,
    OBJECTS,
    TALLY,
    RelRepo,
    check_clear,
    check_no_duplicates,
    converge,
    doc,
    pick,
    seeds,
)

from reconciler.clock import FakeClock

NAMES = ("Agency Onboarding", "Campaign Kit", "Client Intake", "Dashboard Pack",
         "Offboarding Set")
STATUSES = ("DRAFT", "TESTING", "ACTIVE")
SEEDS = seeds("random", 16, 400)


def _declare(repo: RelRepo, rng: random.Random) -> None:
    for index, name in enumerate(NAMES):
        if rng.random() < 0.7:
            repo.put(f"p{index}.json", doc(name, pick(rng, OBJECTS, 1, 3),
                                           status=rng.choice(STATUSES),
                                           description=f"{name} v{rng.randint(1, 3)}"))
        else:
            repo.remove(f"p{index}.json")


def _faults(rng: random.Random) -> list[Rule]:
    kinds = rng.sample(KINDS, rng.randint(1, 4))
    return [Rule(kind, probability=rng.uniform(0.05, 0.3), times=rng.randint(1, 4))
            for kind in kinds]


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed={s}" for s in SEEDS])
def test_random_faults(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REL_CLIENT_ID", "rel-client")
    monkeypatch.setenv("REL_CLIENT_SECRET", "rel-secret-3c1d9e")
    rng = random.Random(seed)
    profile = rng.choice(("current", "2023"))
    clock = FakeClock()
    assembly = rng.choice((0.0, 2.0))
    with serve_chaos(profile=profile, tokens=True, assembly_seconds=assembly,
                     clock=clock) as sim:
        repo = RelRepo(tmp_path, sim, tokens=True, clock=clock)
        repo.write_config(prune=rng.choice(("disable", "delete")), assembly=assembly)
        chaos = sim.chaos
        assert chaos is not None
        for step in range(rng.randint(1, 3)):
            context = f"seed {seed} ({profile}), step {step}"
            _declare(repo, rng)
            if not repo.declared():
                repo.put("p0.json", doc(NAMES[0], (OBJECTS[0],)))
            chaos.set_rules(_faults(rng), seed=rng.randint(0, 2**31))
            code, out, err = repo.apply()
            INJECTED.update(chaos.injected)
            chaos.injected.clear()
            chaos.set_rules([])
            TALLY["fault runs"] += 1
            check_clear(code, out, err, context)
            check_no_duplicates(repo.packages(), context, strict=False)
            converge(repo, context)
