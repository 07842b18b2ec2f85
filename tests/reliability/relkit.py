"""Shared kit of the reliability suite: a repository wired to a (chaos-fronted) simulator,
the invariants every run must keep, and the tallies printed at the end of the session."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.repos import PackageFiles

from reconciler.clock import Clock, FakeClock
from reconciler.desired.config import load_config
from reconciler.desired.loader import load_packages
from reconciler.errors import WfpromoteError
from reconciler.plan.ownership import parse_marker
from reconciler.redact import redact
from reconciler.run.applying import ApplyRequest, run_apply
from reconciler.run.settings import load_settings
from reconciler.simulator.seed import seed_id
from reconciler.simulator.server import SimulatorHandle

OWNER = "acme-reliability"
FOREIGN = "someone-else"
# Seeded source objects ("CODE:Name"; a bare name is a TMPL).
OBJECTS = ("New Agency Onboarding", "New Agency Offboarding", "Campaign Launch",
           "PTLTAB:Executive Portfolio Overview", "CTGY:Campaign Brief Form",
           "TEAM:Onboarding Squad", "SCHED:Agency Standard Schedule")

# Everything the suite did, printed by conftest.pytest_terminal_summary.
TALLY: Counter[str] = Counter()
INJECTED: Counter[str] = Counter()


def soak() -> bool:
    return os.environ.get("WFPROMOTE_SOAK", "") not in ("", "0")


def count(default: int, soak_count: int) -> int:
    """How many runs a seeded loop makes: bounded in `make test`, many in `make soak`."""
    raw = os.environ.get("WFPROMOTE_SOAK_RUNS")
    if raw:
        return int(raw)
    return soak_count if soak() else default


def seeds(name: str, default: int, soak_count: int) -> list[int]:
    """Seeds for a loop; WFPROMOTE_SEED replays one."""
    if os.environ.get("WFPROMOTE_SEED"):
        return [int(os.environ["WFPROMOTE_SEED"])]
    base = int(os.environ.get("WFPROMOTE_SEED_BASE", "0"))
    return [base + i for i in range(count(default, soak_count))]


def object_id(ref: str) -> tuple[str, str]:
    """``"CODE:Name"`` (or a TMPL name, or a raw 32-hex TMPL id) -> (objCode, ID)."""
    code, _, name = ref.rpartition(":")
    code = code or "TMPL"
    return code, name if len(name) == 32 else seed_id("sandbox", code, name)


def doc(name: str, objects: tuple[str, ...], status: str = "DRAFT",
        description: str = "") -> dict[str, Any]:
    by_code: dict[str, list[dict[str, str]]] = {}
    for ref in objects:
        code, entity_id = object_id(ref)
        by_code.setdefault(code, []).append({"ID": entity_id})
    return {"name": name, "description": description or f"{name} (reliability)",
            "source": "sandbox", "status": status,
            "objectCollections": [{"objCode": c, "entities": e}
                                  for c, e in sorted(by_code.items())]}


@dataclass
class RelRepo(PackageFiles):
    root: Path
    sim: SimulatorHandle
    tokens: bool = False
    clock: Clock = field(default_factory=FakeClock)

    @property
    def config_path(self) -> Path:
        return self.root / "wfpromote.yaml"

    def write_config(self, prune: str = "disable", assembly: float = 0.0) -> None:
        base = self.sim.base_url
        if self.tokens:
            auth = (", auth: {oauth: {client_id_env: REL_CLIENT_ID, client_secret_env: "
                    f"REL_CLIENT_SECRET, token_url: '{base}/ims/token/v3'}}}}")
        else:
            auth = ""
        envs = "\n".join(f"  {name}: {{url: '{base}/{name}', kind: {name}{auth}}}"
                         for name in ("sandbox", "preview", "production"))
        self.config_path.write_text(
            f"api: '{self.sim.profile}'\nowner: {OWNER}\npackages: promotions/\n"
            f"prune: {prune}\ntimeouts: {{request: 0.4, assembly: 600}}\n"
            "safety: {max_change_percent: 100, min_managed: 1}\n"
            f"simulator: {{assembly_seconds: {assembly}}}\n"
            f"environments:\n{envs}\n", encoding="utf-8")

    def apply(self, **options: Any) -> tuple[int, str, str]:
        config = load_config(str(self.config_path))
        request = ApplyRequest(auto_approve=True, output_format="json", **options)
        out, err = io.StringIO(), io.StringIO()
        try:
            code = run_apply(config, request, stdin=io.StringIO(""), stdout=out, stderr=err,
                             clock=self.clock)
        except WfpromoteError as exc:   # what the CLI's error boundary does with it
            err.write(redact(exc.render()) + "\n")
            code = exc.exit_code
        return code, out.getvalue(), err.getvalue()

    def declared(self) -> list[Any]:
        return list(load_packages(load_settings(load_config(str(self.config_path))), []))

    def packages(self) -> list[Any]:
        return self.sim.state.list_packages()


def owned(packages: list[Any]) -> list[Any]:
    return [p for p in packages if (m := parse_marker(p.description)) and m.owner == OWNER]


def check_clear(code: int, out: str, err: str, context: str) -> None:
    """A run either succeeds or says clearly what failed: never a traceback or a bug."""
    text = out + err
    assert "Traceback" not in text, f"{context}: traceback\n{text}"
    assert "internal error" not in text, f"{context}: internal error\n{text}"
    assert code in (0, 1), f"{context}: exit {code}\n{text}"
    data = json.loads(out)   # --format json: one object, also when the run failed
    if code == 1:
        failed = [r for r in data.get("results", []) if r["outcome"] == "failed"]
        assert failed or data.get("error"), f"{context}: exit 1 without a reason\n{text}"
        for result in failed:
            assert result["error"], f"{context}: failed without a message: {result}"
        if data.get("error"):
            assert data["error"]["message"] and "error:" in err, f"{context}: {text}"


def check_no_duplicates(packages: list[Any], context: str, *, strict: bool) -> None:
    """Never the same package twice. ``strict``: one live (not DISABLED) version per name;
    otherwise (mid-way, e.g. after a failed run) two live versions with the same content."""
    seen: dict[tuple[str, ...], str] = {}
    for package in owned(packages):
        if package.status == "DISABLED":
            continue
        marker = parse_marker(package.description)
        assert marker is not None
        key = (package.name,) if strict else (package.name, marker.digest)
        if key in seen:
            TALLY["duplicates"] += 1
            raise AssertionError(f"{context}: duplicate live package {key}: {seen[key]} and "
                                 f"{package.id}")
        seen[key] = package.id


USABLE = frozenset({"DRAFT", "TESTING", "ACTIVE"})


def usable_names(packages: list[Any]) -> set[str]:
    """Names with at least one live owned version that can be installed or used now."""
    return {p.name for p in owned(packages) if p.status in USABLE}


def check_usable(repo: RelRepo, names: set[str], context: str) -> None:
    """Every package in ``names`` (usable before the run) still has a usable version."""
    lost = sorted(names - usable_names(repo.packages()))
    if lost:
        TALLY["packages left without a usable version"] += len(lost)
        raise AssertionError(f"{context}: no usable version left of {lost}")


def check_declared(repo: RelRepo, context: str) -> None:
    """Every declared package exists once, live, with its status, description and digest."""
    packages = [p for p in owned(repo.packages()) if p.status != "DISABLED"]
    for spec in repo.declared():
        found = [p for p in packages if p.name == spec.name]
        assert len(found) == 1, f"{context}: {spec.name!r}: {len(found)} live versions"
        [package] = found
        marker = parse_marker(package.description)
        assert marker is not None and marker.digest == spec.digest(), \
            f"{context}: {spec.name!r} has the wrong content"
        assert package.status == spec.status.value, \
            f"{context}: {spec.name!r} is {package.status}, declared {spec.status.value}"


def converge(repo: RelRepo, context: str, limit: int = 3) -> int:
    """Apply without faults until exit 0; returns the number of reruns it took (>= 1)."""
    for attempt in range(1, limit + 1):
        code, out, err = repo.apply()
        check_clear(code, out, err, f"{context}, rerun {attempt}")
        if code == 0:
            TALLY["reruns"] += attempt
            if attempt > 1:
                TALLY["runs needing more than one rerun"] += 1
            code, out, err = repo.apply()
            assert code == 0 and json.loads(out)["results"] == [], \
                f"{context}: the plan after convergence is not empty\n{out}\n{err}"
            check_no_duplicates(repo.packages(), context, strict=True)
            check_declared(repo, context)
            return attempt
    raise AssertionError(f"{context}: no convergence after {limit} reruns\n{out}\n{err}")


def pick(rng: random.Random, items: tuple[str, ...], low: int = 1, high: int = 2
         ) -> tuple[str, ...]:
    return tuple(sorted(rng.sample(items, rng.randint(low, high))))


def baseline(repo: RelRepo) -> None:
    """Three packages, one per status."""
    repo.put("a.json", doc("Agency Onboarding", ("New Agency Onboarding",)))
    repo.put("b.json", doc("Campaign Kit", ("Campaign Launch",), status="TESTING"))
    repo.put("c.json", doc("Client Intake", ("CTGY:Campaign Brief Form",), status="ACTIVE"))


def edit(repo: RelRepo) -> None:
    """One change of every kind: update, replace, disable (prune) and create."""
    repo.put("a.json", doc("Agency Onboarding", ("New Agency Onboarding",),
                           description="Agency Onboarding, edited"))
    repo.put("b.json", doc("Campaign Kit", ("Campaign Launch", "TEAM:Onboarding Squad"),
                           status="TESTING"))
    repo.remove("c.json")
    repo.put("d.json", doc("Dashboard Pack", ("PTLTAB:Executive Portfolio Overview",),
                           status="ACTIVE"))


def kill_apply_when(repo: RelRepo, ready: Callable[[], bool], *, limit: float,
                    delay: float = 0.0) -> bool:
    """Start ``wfpromote apply`` as a child process and SIGKILL it ``delay`` s after
    ``ready()`` turns true (within ``limit`` s). Returns whether the kill happened: the apply
    may finish first, and must then have succeeded."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--config", str(repo.config_path), "apply",
         "--auto-approve"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + limit
    try:
        while process.poll() is None and not ready():
            assert time.monotonic() < deadline, "the apply hung"
            time.sleep(0.002)
        if process.poll() is None and delay:
            time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            TALLY["kills"] += 1
            return True
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
