"""SIGKILL of a real `wfpromote apply` process while an install runs (issue 19, item 3).

The simulator takes a while to install (``INSTALL`` seconds) and reports a running install as
PREPARING, as the documented API allows (no in-progress value is documented). The kill lands
right after the pre-run (E6) or the install request (E7/E11) reached the server, after a
random extra delay. Clean reruns follow.

Invariants: never two successful installs of one package version into one environment; a
usable version of the package after every run; the run after a clean rerun has nothing to
do, the install done.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from chaos import serve_chaos
from relkit import TALLY, RelRepo, check_usable, converge, doc, kill_apply_when, seeds

from reconciler.clock import RealClock

NAME = "Partner Kit"
ASSEMBLY, INSTALL = 0.2, 0.8
RUNS = seeds("kill-install", 6, 200)


def _kill_at(repo: RelRepo, suffix: str, delay: float) -> bool:
    """Start an apply and SIGKILL it ``delay`` s after a request ending with ``suffix``
    reached the server. Returns whether the kill happened (the apply may finish first)."""
    chaos = repo.sim.chaos  # type: ignore[attr-defined]
    start = len(chaos.paths)
    return kill_apply_when(repo, lambda: any(p.startswith("POST") and p.endswith(suffix)
                                             for p in chaos.paths[start:]),
                           limit=60, delay=delay)


def check_single_installs(repo: RelRepo, context: str) -> None:
    """Never two successful installs of one package version into one environment."""
    done = Counter((i.packageId, i.packageVersion, i.environment)
                   for i in repo.sim.state.list_installations(None)
                   if i.status == "INSTALLED")
    doubled = {k: n for k, n in done.items() if n > 1}
    if doubled:
        TALLY["duplicate installs"] += len(doubled)
        raise AssertionError(f"{context}: installed more than once: {doubled}")


@pytest.mark.parametrize("seed", RUNS, ids=[f"seed={s}" for s in RUNS])
def test_kill_during_an_install(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    profile = rng.choice(("current", "2023"))
    step: dict[str, object] = {"environment": "preview"}
    if rng.random() < 0.3 and profile == "current":   # 2023 has no OVERWRITING
        step["existing"] = "overwrite"
    new_content = rng.random() < 0.5
    suffix = rng.choice(("/prepare-installation", "/install", "/install"))
    delay = rng.choice((0.0, 0.0, 0.05, 0.3, 0.6))
    context = (f"kill during an install ({profile}, seed {seed}, at {suffix} + {delay:g} s, "
               f"{'new content' if new_content else 'same content'}, {step})")
    with serve_chaos(profile=profile, assembly_seconds=ASSEMBLY,
                     install_seconds=INSTALL) as sim:
        repo = RelRepo(tmp_path, sim, clock=RealClock())  # type: ignore[arg-type]
        repo.write_config(assembly=ASSEMBLY)
        objects = ("TEAM:Onboarding Squad", "New Agency Onboarding")
        repo.put("kit.json", doc(NAME, objects, status="TESTING"))
        assert repo.apply()[0] == 0
        if new_content:
            objects = (*objects, "Campaign Launch")
        repo.put("kit.json", {**doc(NAME, objects, status="TESTING"), "install": [step]})
        killed = _kill_at(repo, suffix, delay)
        TALLY["kill-during-install runs"] += 1
        if killed:
            TALLY["kill-during-install kills"] += 1
        check_single_installs(repo, context + ", after the kill")
        check_usable(repo, {NAME}, context + ", after the kill")
        converge(repo, context)
        check_single_installs(repo, context)
        installed = [i for i in sim.state.list_installations(None)
                     if i.status == "INSTALLED" and i.environment == "preview"]
        assert installed, f"{context}: never installed"


@pytest.mark.parametrize(("profile", "existing"), [("current", "use"), ("current", "overwrite"),
                                                   ("2023", "use")])
def test_a_pre_run_an_earlier_run_left_is_installed_once_not_waited_on(
        tmp_path: Path, profile: str, existing: str) -> None:
    """Killed right after its pre-run: the record reads PREPARING for ever. The rerun
    installs that record itself (no second record, no wait for a record that never runs),
    also with `existing: overwrite` when the map holds nothing to overwrite."""
    from reconciler.clock import FakeClock

    clock = FakeClock()
    with serve_chaos(profile=profile, assembly_seconds=ASSEMBLY, install_seconds=INSTALL,
                     clock=clock) as sim:
        repo = RelRepo(tmp_path, sim, clock=clock)
        repo.write_config(assembly=ASSEMBLY)
        step = {"environment": "preview", "existing": existing}
        repo.put("kit.json", doc(NAME, ("TEAM:Onboarding Squad",), status="TESTING"))
        assert repo.apply()[0] == 0
        [package] = [p for p in repo.packages() if p.name == NAME]
        # The killed run's pre-run, over HTTP as the client made it; nothing installed it.
        import httpx

        from reconciler.domain.profiles import get_profile

        base = get_profile(profile).base_path
        made = httpx.post(f"{sim.base_url}/preview{base}/packages/{package.id}"
                          "/prepare-installation", json={})
        answer = made.json()
        left = sim.state.get_installation(answer.get("data", answer)["id"])
        repo.put("kit.json", {**doc(NAME, ("TEAM:Onboarding Squad",), status="TESTING"),
                              "install": [step]})
        clock.sleeps.clear()
        code, out, err = repo.apply()
        assert code == 0, out + err
        assert f"installing the earlier run's pre-run (installation {left.id})" in err, err
        assert sum(clock.sleeps) < 60, clock.sleeps     # never the install deadline
        installs = sim.state.list_installations(package.id)
        assert [(i.id, i.status) for i in installs] == [(left.id, "INSTALLED")]
        converge(repo, f"pre-run left behind ({profile}, existing {existing})")
