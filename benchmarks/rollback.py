"""Rollback by ``git revert``, measured end to end against the simulator over real HTTP on
127.0.0.1: requests per step, and what the production environment holds after each.

Content A (one template) is installed into preview then production. The sandbox template is
edited, and content B (the template and one more, ``existing: overwrite``) is installed: the
targets now hold B's version of the template. The sandbox moves on again. Then the files go
back to A (the revert): the plan re-uses A's package (no new assembly from today's sandbox),
installs it with OVERWRITING, and production holds A's template again.

    .venv/bin/python benchmarks/rollback.py [--profile current|2023]
        [--behaviour reactivation=refuse] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lifecycle import Lifecycle, served

from reconciler.cli import run
from reconciler.simulator.behaviour import Behaviour
from reconciler.simulator.seed import seed_id

MAIN = seed_id("sandbox", "TMPL", "New Agency Offboarding")
EXTRA = seed_id("sandbox", "TMPL", "Campaign Launch")


def kit(*, b: bool, overwrite: bool = True) -> dict[str, Any]:
    """Content A (``b`` False) or B (with ``existing: overwrite`` where the API has it)."""
    templates = [{"ID": MAIN, "name": "New Agency Offboarding"}]
    if b:
        templates.append({"ID": EXTRA, "name": "Campaign Launch"})
    existing = {"existing": "overwrite"} if b and overwrite else {}
    return {"name": "Launch Kit", "description": "rollback scenario", "source": "sandbox",
            "status": "ACTIVE",
            "objectCollections": [{"objCode": "TMPL", "entities": templates}],
            "install": [{"environment": "preview", **existing},
                        {"environment": "production", "after": ["preview"], **existing}]}


def holds(life: Lifecycle, env: str) -> str:
    """The description of the template in ``env`` (what each content carried)."""
    found = life.sim.world.environments[env].find("TMPL", "New Agency Offboarding")
    return found.description if found is not None else "(absent)"


def edit_sandbox(life: Lifecycle, text: str) -> None:
    life.sim.world.environments["sandbox"].records[MAIN].description = text


def plan_text(life: Lifecycle) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        run(["--config", str(life.root / "wfpromote.yaml"), "--no-color", "plan"])
    return out.getvalue()


def scenario(profile: str, behaviour: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, served(profile) as (url, sim, counter):
        if behaviour:
            sim.behaviour = Behaviour.parse(behaviour)
        life = Lifecycle(Path(tmp), url, profile, sim, counter)
        rows = []

        def step(name: str) -> None:
            measured = life.measure(name)
            rows.append({"step": name, "requests": measured.total,
                         "by_kind": measured.requests, "outcomes": measured.outcomes,
                         "production holds": holds(life, "production"),
                         "packages": len(sim.world.packages)})

        edit_sandbox(life, "content A")
        life.declare([kit(b=False)])
        step("A: create, install preview then production")
        edit_sandbox(life, "content B")
        life.declare([kit(b=True, overwrite=profile != "2023")])
        step("B: content change, installed with existing: overwrite"
             if profile != "2023" else "B: content change (2023: no OVERWRITING)")
        edit_sandbox(life, "sandbox moved on")
        life.declare([kit(b=False)])   # git revert
        counter.seen.clear()
        text = plan_text(life)
        plan_requests = sum(counter.seen.values())
        step("revert to A: apply")
        step("rerun")
        return {"profile": profile, "behaviour": behaviour or "defaults", "steps": rows,
                "plan after the revert": text, "plan requests": plan_requests}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="current", choices=["current", "2023"])
    parser.add_argument("--behaviour", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = scenario(args.profile, args.behaviour)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"profile {result['profile']}, simulator behaviour {result['behaviour']}")
    for row in result["steps"]:
        kinds = ", ".join(f"{k} {n}" for k, n in row["by_kind"].items())
        print(f"  {row['step']}: {row['requests']} requests ({kinds}); production holds "
              f"{row['production holds']!r}; {row['packages']} package(s)")
    print(f"\nplan after the revert ({result['plan requests']} requests):\n")
    print(result["plan after the revert"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
