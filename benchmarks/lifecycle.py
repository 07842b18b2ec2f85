"""The promotion lifecycle of issue 18, measured: requests per step and PREPARING records
left, against the simulator over real HTTP on 127.0.0.1, in one API profile.

Steps: create and install into preview then production (behind ``after:``, with an IGNORE
override in preview and, under ``current``, ``existing: overwrite`` in production); rerun;
``plan --prerun``; a content change installed again in order; rerun; a content change whose
install fails; its rerun (fails again); the rerun once fixed. Each step is counted by
request kind (E1..E11, R2) as the server saw it.

    .venv/bin/python benchmarks/lifecycle.py [--profile current|2023] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.desired.config import load_config
from reconciler.run.applying import ApplyRequest, run_apply
from reconciler.simulator.core import Simulator
from reconciler.simulator.seed import seed_id
from reconciler.simulator.server import _served_app, app_in_thread

OWNER = "acme-lifecycle"
KINDS = {"sandbox": "sandbox", "preview": "preview", "production": "production"}

# (method, path pattern) -> the reference's name for the request
ENDPOINTS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), name) for method, pattern, name in (
        ("POST", r"/packages$", "E1 create"),
        ("GET", r"/packages$", "E2 list"),
        ("GET", r"/packages/[^/]+$", "E3 get"),
        ("PATCH", r"/packages/[^/]+$", "E4 patch"),
        ("DELETE", r"/packages/[^/]+$", "E5 delete"),
        ("PUT", r"/packages/[^/]+$", "R2 put"),
        ("POST", r"/packages/[^/]+/prepare-installation$", "E6 pre-run"),
        ("POST", r"/installations/[^/]+/install$", "E7 install"),
        ("GET", r"/installations$", "E8 history"),
        ("GET", r"/installations/[^/]+$", "E9 installation"),
        ("POST", r"/packages/[^/]+/translation-map$", "E10 map"),
        ("POST", r"/packages/[^/]+/install$", "E11 install with map"),
        ("POST", r"/translationmap$", "E6 pre-run"),
        ("POST", r"/install$", "E7 install"),
    ))


def endpoint(method: str, path: str) -> str:
    for want, pattern, name in ENDPOINTS:
        if method == want and pattern.search(path):
            return name
    return f"{method} {path}"


@dataclass
class Counting:
    """ASGI middleware counting the requests the server receives, by endpoint."""

    app: ASGIApp
    seen: Counter[str] = field(default_factory=Counter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen[endpoint(scope["method"], scope["path"])] += 1
        await self.app(scope, receive, send)


@dataclass
class Step:
    name: str
    requests: dict[str, int]
    preparing_left: int
    outcomes: dict[str, str]

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def _package(root: Path, *, extra_template: bool = False, failing: bool | None = None,
             overwrite: bool = True) -> list[dict[str, Any]]:
    """The two packages; ``failing``: None (first content), True (new content, whose install
    the caller makes fail), False (the same new content)."""
    launch = seed_id("sandbox", "TMPL", "Campaign Launch")
    templates = [{"ID": launch, "name": "Campaign Launch"}]
    if extra_template:
        templates.append({"ID": seed_id("sandbox", "TMPL", "New Agency Offboarding"),
                          "name": "New Agency Offboarding"})
    launch_kit = {
        "name": "Launch Kit", "description": "lifecycle", "source": "sandbox",
        "status": "ACTIVE", "objectCollections": [{"objCode": "TMPL", "entities": templates}],
        "install": [
            {"environment": "preview",
             "overrides": {"TTSK": {seed_id("sandbox", "TTSK", "Launch Review"): "IGNORE"}}},
            {"environment": "production", "after": ["preview"],
             # the 2023 API has no OVERWRITING (reference 1.4)
             "existing": "overwrite" if overwrite else "use"}]}
    group = seed_id("sandbox", "GROUP", "Default Group")
    collections: list[dict[str, Any]] = [{"objCode": "GROUP", "entities": [{"ID": group}]}]
    if failing is not None:   # new content: a role too
        collections.append({"objCode": "ROLE", "entities": [
            {"ID": seed_id("sandbox", "ROLE", "Account Manager")}]})
    groups = {
        "name": "Groups", "description": "lifecycle", "source": "sandbox", "status": "ACTIVE",
        "objectCollections": collections, "install": [{"environment": "preview"}]}
    return [launch_kit, groups]


def write_repository(root: Path, url: str, profile: str, owner: str,
                     kinds: dict[str, str]) -> None:
    """``wfpromote.yaml`` for the served simulator at ``url`` (an environment per name, of
    its kind) and an empty ``promotions/`` folder."""
    envs = "\n".join(f"  {name}: {{url: {url}/{name}, kind: {kind}}}"
                     for name, kind in kinds.items())
    (root / "wfpromote.yaml").write_text(
        f"api: {profile}\nowner: {owner}\npackages: promotions/\nprune: disable\n"
        f"environments:\n{envs}\nsimulator: {{assembly_seconds: 0}}\n", encoding="utf-8")
    (root / "promotions").mkdir()


class Lifecycle:
    def __init__(self, root: Path, url: str, profile: str, sim: Simulator,
                 counter: Counting) -> None:
        self.root, self.sim, self.counter = root, sim, counter
        write_repository(root, url, profile, OWNER, KINDS)
        self.steps: list[Step] = []

    def declare(self, docs: list[dict[str, Any]]) -> None:
        for index, doc in enumerate(docs):  # JSON holds one document per file
            (self.root / "promotions" / f"kit{index}.json").write_text(json.dumps(doc),
                                                                       encoding="utf-8")

    def preparing(self) -> int:
        return sum(1 for i in self.sim.world.installations.values()
                   if i.status == "PREPARING")

    def measure(self, name: str, *, prerun: bool = False) -> Step:
        self.counter.seen.clear()
        outcomes: dict[str, str] = {}
        if prerun:
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                run(["--config", str(self.root / "wfpromote.yaml"), "plan", "--prerun"])
        else:
            config = load_config(str(self.root / "wfpromote.yaml"))
            out = io.StringIO()
            run_apply(config, ApplyRequest(auto_approve=True, force=True,
                                           output_format="json"),
                      stdin=io.StringIO(""), stdout=out, stderr=io.StringIO(),
                      clock=FakeClock())
            for result in json.loads(out.getvalue())["results"]:
                where = f" -> {result['environment']}" if result.get("environment") else ""
                outcomes[f"{result['action']} {result['name']}{where}"] = result["outcome"]
        step = Step(name, dict(sorted(self.counter.seen.items())), self.preparing(), outcomes)
        self.steps.append(step)
        return step


@contextlib.contextmanager
def served(profile: str) -> Iterator[tuple[str, Simulator, Counting]]:
    sim, _injector, app = _served_app(profile, state_path=None, environments=None,
                                      faults=None, clock=None, assembly_seconds=0.0,
                                      install_seconds=0.0)
    counter = Counting(app)
    with app_in_thread(counter, name="lifecycle") as port:
        yield f"http://127.0.0.1:{port}", sim, counter


def lifecycle(profile: str) -> list[Step]:
    """Run the whole lifecycle in a temporary repository; the measured steps."""
    with tempfile.TemporaryDirectory() as tmp, served(profile) as (url, sim, counter):
        life = Lifecycle(Path(tmp), url, profile, sim, counter)
        overwrite = profile != "2023"
        life.declare(_package(life.root, overwrite=overwrite))
        life.measure("create, install preview then production")
        life.measure("rerun (nothing to do)")
        life.measure("plan --prerun (nothing pending)", prerun=True)
        life.declare(_package(life.root, extra_template=True, overwrite=overwrite))
        life.measure("content change, installed again in order")
        life.measure("rerun (nothing to do)")
        sim.fail_records = frozenset({"Account Manager"})   # the simulator's fault knob
        life.declare(_package(life.root, extra_template=True, failing=True,
                              overwrite=overwrite))
        life.measure("content change whose install fails")
        life.measure("rerun of the failing install")
        sim.fail_records = frozenset()
        life.declare(_package(life.root, extra_template=True, failing=False,
                              overwrite=overwrite))
        life.measure("rerun once fixed")
        return life.steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="current", choices=["current", "2023"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    steps = lifecycle(args.profile)
    if args.json:
        print(json.dumps([{"step": s.name, "total": s.total, "requests": s.requests,
                           "preparing_left": s.preparing_left, "outcomes": s.outcomes}
                          for s in steps], indent=2))
        return 0
    print(f"profile {args.profile}")
    for s in steps:
        kinds = ", ".join(f"{k} {n}" for k, n in s.requests.items())
        print(f"  {s.name}: {s.total} requests ({kinds}); PREPARING records: "
              f"{s.preparing_left}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
