"""Planning speed and memory, measured end to end through the real CLI.

(a) 1,000 declared packages, none changed, simulator on 127.0.0.1 with 50 ms added latency:
    requests sent by `wfpromote plan` (target: exactly 1), wall time including process start
    (target < 1.5 s), and the ratio to the floor (one round trip + a bare interpreter that
    imports what plan imports).
(b) 10,000 remote packages (1,000 declared): peak RSS of the `wfpromote plan` process
    (target < 200 MB).

Run: .venv/bin/python benchmarks/bench_plan.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reconciler.domain.declared import PackageSpec  # noqa: E402
from reconciler.plan.ownership import with_marker  # noqa: E402

OWNER = "bench-owner"
LATENCY_MS = 50.0
TEMPLATE_ID = "ffa0f8d27e87c5ba0010aeee529de4a4"  # md5("sandbox/TMPL/New Agency Onboarding")


class Counter:
    """ASGI wrapper counting the requests the simulator receives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.count += 1
        await self.app(scope, receive, send)


@contextmanager
def simulator(latency_ms: float) -> Iterator[tuple[Any, Counter, str]]:
    import uvicorn

    from reconciler.domain.profiles import DEFAULT_PROFILE
    from reconciler.simulator.app import build_app
    from reconciler.simulator.faults import FaultInjector, Faults
    from reconciler.simulator.profiles import wire_format
    from reconciler.simulator.server import make_simulator, uvicorn_config

    faults = Faults(latency_ms=latency_ms)
    sim = make_simulator(state_path=None, environments=None, clock=None, assembly_seconds=0.0,
                         install_seconds=0.0, faults=faults)
    counter = Counter(build_app(sim, wire_format(DEFAULT_PROFILE), FaultInjector(faults)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(counter, "127.0.0.1", port, log_level="critical",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.005)
    try:
        yield sim, counter, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def package_data(i: int) -> dict[str, Any]:
    return {"name": f"Bench package {i:05d}", "description": f"Benchmark package {i}.",
            "source": "sandbox", "status": "DRAFT",
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": TEMPLATE_ID, "name": "New Agency Onboarding"}]}]}


def write_repo(root: Path, base_url: str, declared: int) -> None:
    (root / "packages").mkdir(parents=True)
    (root / "wfpromote.yaml").write_text(
        f"owner: {OWNER}\npackages: packages/\nenvironments:\n"
        f"  sandbox: {{url: '{base_url}/sandbox', kind: sandbox}}\n")
    per_file = 50
    for start in range(0, declared, per_file):
        docs = [package_yaml(i) for i in range(start, min(declared, start + per_file))]
        (root / "packages" / f"bench-{start:05d}.yaml").write_text("---\n".join(docs))


def package_yaml(i: int) -> str:
    """Block-style YAML, as people write it."""
    data = package_data(i)
    return (f"name: {data['name']}\ndescription: {data['description']}\n"
            f"source: sandbox\nstatus: DRAFT\nobjectCollections:\n  - objCode: TMPL\n"
            f"    entities:\n      - ID: {TEMPLATE_ID}\n        name: New Agency Onboarding\n")


def populate(sim: Any, base_url: str, count: int, owned: int) -> None:
    """Remote packages as an apply would have left them (the first ``owned`` with markers)."""
    import uuid

    from reconciler.simulator.state import Package

    for i in range(count):
        spec = PackageSpec.model_validate(package_data(i))
        description = with_marker(spec.description, OWNER, spec.digest()) if i < owned \
            else spec.description
        pkg = Package(id=str(uuid.UUID(int=i + 1)), name=spec.name, description=description,
                      source=f"{base_url}/sandbox", source_env="sandbox", status="DRAFT",
                      createdAt="2026-01-01T00:00:00.000Z", createdById="0" * 32,
                      customerId="0" * 32,
                      objectCollections=package_data(i)["objectCollections"])
        sim.world.packages[pkg.id] = pkg
    sim.generation += 1


# `python -m reconciler`, reporting its own peak RSS (KiB on Linux) as the last stderr line.
_MEASURED = ("import resource, sys\nfrom reconciler.cli import run\ncode = run(sys.argv[1:])\n"
             "print(f'MAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', "
             "file=sys.stderr)\nsys.exit(code)\n")


def wfpromote(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str], int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURED, "--config",
                           str(root / "wfpromote.yaml"), "plan", *args],
                          capture_output=True, text=True, cwd=root, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise SystemExit(f"wfpromote plan failed ({done.returncode}):\n{done.stderr}")
    peak = int(done.stderr.strip().splitlines()[-1].split()[-1])
    return wall, done, peak


def floor_seconds() -> float:
    imports = ("import reconciler.cli, reconciler.run.planning, reconciler.run.clients, "
               "reconciler.desired.loader, reconciler.desired.config, reconciler.output.text")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", imports], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - started)
    return best + LATENCY_MS / 1000.0


def bench_no_changes(declared: int = 1_000) -> None:
    with simulator(LATENCY_MS) as (sim, counter, base_url), \
            tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, base_url, declared)
        populate(sim, base_url, declared, owned=declared)
        wfpromote(root)  # warm the file cache and the simulator's list rendering
        counter.count = 0
        wall, done, _ = wfpromote(root)
        requests = counter.count
    last = done.stdout.strip().splitlines()[-1]
    floor = floor_seconds()
    print(f"(a) {declared} declared, none changed, +{LATENCY_MS:.0f} ms latency")
    print(f"    result line:    {last}")
    print(f"    API requests:   {requests}  (target 1)")
    print(f"    wall time:      {wall:.3f} s  (target < 1.5 s, process start included)")
    print(f"    floor:          {floor:.3f} s  (interpreter + imports + one round trip)")
    print(f"    ratio to floor: {wall / floor:.2f}x")


def bench_memory(remote: int = 10_000, declared: int = 1_000) -> None:
    with simulator(0.0) as (sim, _counter, base_url), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, base_url, declared)
        populate(sim, base_url, remote, owned=declared)
        wall, done, peak_kib = wfpromote(root)
    print(f"(b) {remote} remote packages ({declared} declared and owned)")
    print(f"    result line:    {done.stdout.strip().splitlines()[-1]}")
    print(f"    peak RSS:       {peak_kib / 1024:.1f} MB  (target < 200 MB)")
    print(f"    wall time:      {wall:.3f} s")


if __name__ == "__main__":
    os.environ.pop("CI", None)
    bench_no_changes()
    bench_memory()
