"""Installs: planning with installs declared, and applying installs, over real HTTP.

(a) Plan with installs declared for 500 packages into 2 environments each, every install
    already done, 50 ms latency, concurrency 8: requests and wall time of `wfpromote plan`
    (its own process) against the floor of (1 + 500 / 8) round trips plus start-up (a bare
    interpreter importing what plan imports). Goal: at most 1.5 times the floor.
(b) Apply of 50 installs (50 packages into one environment, disjoint records), 1 s install
    time, 50 ms latency, concurrency 8: wall time against the floor of ceil(50 / 8) rounds
    of (pre-run + install + one poll + 1 s) plus the plan's (1 + ceil(50 / 8)) round trips.
    Goal: at most 1.5 times the floor.

    .venv/bin/python benchmarks/bench_installs.py
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_plan import floor_seconds, simulator, wfpromote  # noqa: E402

from reconciler.domain.declared import PackageSpec  # noqa: E402
from reconciler.plan.ownership import with_marker  # noqa: E402

OWNER = "bench-owner"
LATENCY_MS = 50.0
CONCURRENCY = 8
TARGET_RATIO = 1.5
TEMPLATE_ID = "ffa0f8d27e87c5ba0010aeee529de4a4"  # md5("sandbox/TMPL/New Agency Onboarding")


def package_data(i: int, status: str = "ACTIVE") -> dict[str, Any]:
    return {"name": f"Bench package {i:05d}", "description": f"Benchmark package {i}.",
            "source": "sandbox", "status": status,
            "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": TEMPLATE_ID}]}],
            "install": [{"environment": "preview"},
                        {"environment": "production", "after": ["preview"]}]}


def write_config(root: Path, base_url: str, concurrency: int, extra: str = "") -> None:
    (root / "wfpromote.yaml").write_text(
        f"owner: {OWNER}\npackages: packages/\nconcurrency: {concurrency}\n"
        "environments:\n"
        f"  sandbox: {{url: '{base_url}/sandbox', kind: sandbox}}\n"
        f"  preview: {{url: '{base_url}/preview', kind: preview}}\n"
        f"  production: {{url: '{base_url}/production', kind: production}}\n" + extra)


def populate_installed(sim: Any, base_url: str, count: int) -> None:
    """Packages as an apply left them, each installed into preview and production."""
    from reconciler.simulator.state import Installation, Package

    host = base_url.split("://", 1)[1]
    for i in range(count):
        data = package_data(i)
        spec = PackageSpec.model_validate(data)
        pkg = Package(id=str(uuid.UUID(int=i + 1)), name=spec.name,
                      description=with_marker(spec.description, OWNER, spec.digest()),
                      source=f"{base_url}/sandbox", source_env="sandbox", status="ACTIVE",
                      createdAt="2026-01-01T00:00:00.000Z", createdById="0" * 32,
                      customerId="0" * 32, objectCollections=data["objectCollections"])
        sim.world.packages[pkg.id] = pkg
        for env in ("preview", "production"):
            inst = Installation(
                id=str(uuid.uuid4()), packageId=pkg.id, packageVersion=1, environment=env,
                environment_label=f"{host}/{env}", userId="0" * 32, customerId="0" * 32,
                status="INSTALLED", registeredAt="2026-01-02T00:00:00.000Z",
                updatedAt="2026-01-02T00:01:00.000Z", translationMap={})
            sim.world.installations[inst.id] = inst
    sim.generation += 1


_RAW_CLIENT = """
import asyncio, httpx, sys, time
base, ids, width = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
async def main():
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=width)) as client:
        gate = asyncio.Semaphore(width)
        async def one(package_id):
            async with gate:
                answer = await client.get(base + "/installations",
                                          params={"environmentPromotionPackageId": package_id})
                answer.json()
        started = time.perf_counter()
        await client.get(base + "/packages")
        await asyncio.gather(*(one(i) for i in ids))
        print(time.perf_counter() - started)
asyncio.run(main())
"""


def raw_http_seconds(base_url: str, ids: list[str]) -> float:
    """The same requests from a bare httpx client against the same server: what this
    machine's HTTP stack and simulator cost, whatever wfpromote does."""
    import subprocess

    api = f"{base_url}/sandbox/environment-promotion/api/v1"
    done = subprocess.run([sys.executable, "-c", _RAW_CLIENT, api, ",".join(ids),
                           str(CONCURRENCY)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def bench_plan(packages: int = 500) -> bool:
    with simulator(LATENCY_MS) as (sim, counter, base_url), \
            tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_config(root, base_url, CONCURRENCY)
        (root / "packages").mkdir()
        docs = [json.dumps(package_data(i)) for i in range(packages)]
        (root / "packages" / "bench.yaml").write_text("\n---\n".join(docs))
        populate_installed(sim, base_url, packages)
        wfpromote(root)  # warm caches
        counter.count = 0
        wall, done, _ = wfpromote(root)
        requests = counter.count
        raw = raw_http_seconds(base_url, list(sim.world.packages))
    start_up = floor_seconds() - LATENCY_MS / 1000.0
    trips = 1 + math.ceil(packages / CONCURRENCY)
    floor = start_up + trips * LATENCY_MS / 1000.0
    ratio = wall / floor
    print(f"(a) plan: {packages} packages x 2 installs declared, all done, "
          f"+{LATENCY_MS:.0f} ms latency, concurrency {CONCURRENCY}")
    print(f"    result line:    {done.stdout.strip().splitlines()[-1]}")
    print(f"    API requests:   {requests}  (1 listing + {packages} installation histories)")
    print(f"    wall time:      {wall:.3f} s")
    print(f"    floor:          {floor:.3f} s  ({trips} round trips + {start_up:.3f} s start-up)")
    print(f"    ratio to floor: {ratio:.2f}x  (goal <= {TARGET_RATIO})")
    print(f"    same {requests} requests from a bare httpx client: {raw:.3f} s "
          f"(+ start-up: {raw + start_up:.3f} s; wfpromote is "
          f"{wall / (raw + start_up):.2f}x that)")
    return ratio <= TARGET_RATIO


def bench_apply(installs: int = 50, install_seconds: float = 1.0) -> bool:
    from reconciler.desired.config import load_config
    from reconciler.run.applying import ApplyRequest, run_apply
    from reconciler.simulator.seed import SourceRecord

    with simulator(LATENCY_MS) as (sim, counter, base_url), \
            tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sandbox = sim.world.environments["sandbox"]
        ids = []
        for i in range(installs):  # one role per package: no two installs share a record
            rid = uuid.UUID(int=10_000 + i).hex
            sandbox.records[rid] = SourceRecord("ROLE", rid, f"Bench Role {i:03d}")
            ids.append(rid)
        write_config(root, base_url, CONCURRENCY,
                     "simulator: {assembly_seconds: 0, install_seconds: "
                     f"{install_seconds}}}\n")
        (root / "packages").mkdir()

        def write(with_installs: bool) -> None:
            docs = [json.dumps({"name": f"Bench package {i:05d}", "source": "sandbox",
                                "status": "ACTIVE",
                                "objectCollections": [{"objCode": "ROLE",
                                                       "entities": [{"ID": ids[i]}]}],
                                "install": [{"environment": "preview"}] if with_installs
                                else []}) for i in range(installs)]
            (root / "packages" / "bench.yaml").write_text("\n---\n".join(docs))

        def apply() -> tuple[int, float, dict[str, Any]]:
            config = load_config(str(root / "wfpromote.yaml"))
            out, err = io.StringIO(), io.StringIO()
            started = time.perf_counter()
            code = run_apply(config, ApplyRequest(auto_approve=True, output_format="json"),
                             stdin=io.StringIO(), stdout=out, stderr=err)
            return code, time.perf_counter() - started, json.loads(out.getvalue())

        write(with_installs=False)
        sim.install_seconds = 0.0
        code, _, _ = apply()                    # the packages, made and activated
        assert code == 0
        write(with_installs=True)
        sim.install_seconds = install_seconds
        counter.count = 0
        code, wall, report = apply()
        requests = counter.count
    rounds = math.ceil(installs / CONCURRENCY)
    trip = LATENCY_MS / 1000.0
    plan_trips = 1 + rounds
    floor = plan_trips * trip + rounds * (install_seconds + 3 * trip)
    ratio = wall / floor
    print(f"(b) apply: {installs} installs, {install_seconds:g} s each, "
          f"+{LATENCY_MS:.0f} ms latency, concurrency {CONCURRENCY}")
    print(f"    outcome:        {report['summary']}")
    print(f"    API requests:   {requests}  ({requests / installs:.2f} per install, "
          "plan included)")
    print(f"    wall time:      {wall:.3f} s")
    print(f"    floor:          {floor:.3f} s  ({rounds} rounds of pre-run + install + poll + "
          f"{install_seconds:g} s, + {plan_trips} planning round trips)")
    print(f"    ratio to floor: {ratio:.2f}x  (goal <= {TARGET_RATIO})")
    return code == 0 and ratio <= TARGET_RATIO


if __name__ == "__main__":
    os.environ.pop("CI", None)
    plan_ok = bench_plan()
    apply_ok = bench_apply()
    print(f"goals: plan {'met' if plan_ok else 'MISSED'}, apply {'met' if apply_ok else 'MISSED'}"
          " (a miss is reported, not fatal: `make bench` runs every script)")
