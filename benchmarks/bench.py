"""`make bench`: one harness, one table, printed and written to docs/benchmarks.md.

Every scenario runs the real `wfpromote` command as a child process against the simulator
served over real HTTP on 127.0.0.1 (TCP_NODELAY, 50 ms of latency added to every request), so
interpreter start-up, imports, file reading, the round trips and the exit all count. For each
scenario the table gives the requests the simulator received, the wall time (median of several
runs), the physical floor, the ratio to it, and the peak memory (max RSS of the child).

The floor is physical: start-up as `wfpromote --help` measures it, plus the round trips the API
cannot avoid (one listing for a plan, timed with a bare HTTP client against the same simulator;
for an apply, ceil(N/c) rounds of one create plus one poll at concurrency c, plus the assembly
time). Two peers run against the same simulator in the same run, over the same packages: a
per-object refresh at concurrency 10 (what Terraform's REST providers do) and a sequential
script, each a child process of its own; the table gives wfpromote's time as a fraction of
theirs.

    .venv/bin/python benchmarks/bench.py [--quick] [--runs 5] [--no-write]
    WFPROMOTE_CODE=/path/to/other/checkout .venv/bin/python benchmarks/bench.py --no-write

WFPROMOTE_CODE measures another checkout's code (it is put first on PYTHONPATH of the
children) against this checkout's simulator and peers: that is how before/after figures are
taken. Targets are figures to read, never asserts: the harness exits 0 whatever it measures.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reconciler.domain.declared import PackageSpec  # noqa: E402
from reconciler.domain.profiles import DEFAULT_PROFILE, PROFILES  # noqa: E402
from reconciler.plan.ownership import with_marker  # noqa: E402
from reconciler.simulator.faults import Faults  # noqa: E402
from reconciler.simulator.seed import seed_id  # noqa: E402
from reconciler.simulator.server import SimulatorHandle, serve_in_thread  # noqa: E402

OWNER = "bench-owner"
LATENCY_MS = 50.0
PEER_CONCURRENCY = 10
TEMPLATE_ID = "ffa0f8d27e87c5ba0010aeee529de4a4"  # md5("sandbox/TMPL/New Agency Onboarding")
BASE_PATH = PROFILES[DEFAULT_PROFILE].base_path
DOC = ROOT / "docs" / "benchmarks.md"


@dataclass
class Row:
    scenario: str
    requests: int | None
    wall: float
    floor: float | None
    peak_mb: float | None
    target: str = ""
    note: str = ""
    cpu: float | None = None  # user + system seconds of the child: steadier on a busy machine

    @property
    def ratio(self) -> float | None:
        return self.wall / self.floor if self.floor else None


@dataclass
class Run:
    wall: float
    code: int
    peak_mb: float
    cpu: float
    stdout: str
    stderr: str


# --- child processes ------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    code = os.environ.get("WFPROMOTE_CODE")
    if code:
        env["PYTHONPATH"] = code + os.pathsep + env.get("PYTHONPATH", "")
    return env


def compile_measured_code() -> Path:
    """Byte-compile the package being measured, as installing it from a wheel does.

    An editable checkout has no ``.pyc`` files until Python writes them, and it never does
    when PYTHONDONTWRITEBYTECODE is set (as on some CI machines): every child would then
    compile every module it imports, start-up included. Compiling first measures wfpromote
    as it runs when installed.
    """
    import compileall

    code = Path(os.environ.get("WFPROMOTE_CODE") or ROOT) / "reconciler"
    compileall.compile_dir(str(code), quiet=1)
    return code


def wfpromote_argv() -> list[str]:
    script = Path(sys.executable).with_name("wfpromote")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]


def run_child(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> Run:
    """Run a child to its end; wall time from spawn to reaped, peak RSS from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=child_env())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{stdout[-2000:]}\n"
                         f"{stderr[-2000:]}")
    return Run(wall, proc.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
               stdout, stderr)


def median_run(argv: list[str], cwd: Path, runs: int, ok: tuple[int, ...] = (0,),
               before: Any = None) -> tuple[Run, list[float]]:
    """The run with the median wall time (after one warm-up run), and every wall time."""
    run_child(argv, cwd, ok)  # warm the page cache and the simulator's list rendering
    done = []
    for _ in range(runs):
        if before is not None:
            before()
        done.append(run_child(argv, cwd, ok))
    done.sort(key=lambda r: r.wall)
    return done[len(done) // 2], [r.wall for r in done]


# --- the simulator --------------------------------------------------------------------------


class Counter:
    """Requests the simulator received (its fault injector is asked once per request)."""

    def __init__(self, handle: SimulatorHandle) -> None:
        self.count = 0
        self._lock = threading.Lock()
        original = handle.injector.error_for

        def counting(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.count += 1
            return original(*args, **kwargs)

        handle.injector.error_for = counting  # type: ignore[method-assign]


@contextmanager
def simulator(assembly: float = 0.0) -> Iterator[tuple[SimulatorHandle, Counter]]:
    with serve_in_thread(faults=Faults(latency_ms=LATENCY_MS),
                         assembly_seconds=assembly) as handle:
        yield handle, Counter(handle)


def package_data(i: int) -> dict[str, Any]:
    return {"name": f"Bench package {i:05d}", "description": f"Benchmark package {i}.",
            "source": "sandbox", "status": "DRAFT",
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": TEMPLATE_ID, "name": "New Agency Onboarding"}]}]}


def package_yaml(i: int) -> str:
    """Block-style YAML, as people write it."""
    data = package_data(i)
    return (f"name: {data['name']}\ndescription: {data['description']}\n"
            f"source: sandbox\nstatus: DRAFT\nobjectCollections:\n  - objCode: TMPL\n"
            f"    entities:\n      - ID: {TEMPLATE_ID}\n        name: New Agency Onboarding\n")


def write_plan_repo(root: Path, base_url: str, declared: int) -> None:
    """One package per file, as the examples and `init` lay them out."""
    (root / "packages").mkdir(parents=True)
    (root / "wfpromote.yaml").write_text(
        f"owner: {OWNER}\npackages: packages/\nenvironments:\n"
        f"  sandbox: {{url: '{base_url}/sandbox', kind: sandbox}}\n")
    for i in range(declared):
        folder = root / "packages" / f"team{i % 20:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"package-{i:05d}.yaml").write_text(package_yaml(i))


def populate(handle: SimulatorHandle, count: int) -> list[str]:
    """Remote packages as an apply would have left them: owned, marked, unchanged."""
    from reconciler.simulator.state import Package

    sim = handle.state
    sim.world.packages.clear()
    ids = []
    for i in range(count):
        spec = PackageSpec.model_validate(package_data(i))
        pkg = Package(id=str(uuid.UUID(int=i + 1)), name=spec.name,
                      description=with_marker(spec.description, OWNER, spec.digest()),
                      source=f"{handle.url('sandbox')}", source_env="sandbox", status="DRAFT",
                      createdAt="2026-01-01T00:00:00.000Z", createdById="0" * 32,
                      customerId="0" * 32, objectCollections=package_data(i)["objectCollections"])
        sim.world.packages[pkg.id] = pkg
        ids.append(pkg.id)
    sim.generation += 1
    return ids


def listing_seconds(handle: SimulatorHandle, runs: int) -> float:
    """One GET /packages on a fresh connection, as bare as a client can make it (median)."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        conn = http.client.HTTPConnection(handle.host, handle.port, timeout=60)
        conn.request("GET", f"/sandbox{BASE_PATH}/packages")
        response = conn.getresponse()
        response.read()
        conn.close()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"listing answered {response.status}")
    return statistics.median(times[1:])


# --- peers ----------------------------------------------------------------------------------

_PEER = """\
import asyncio, json, sys, httpx
base, ids_file, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
ids = json.loads(open(ids_file).read())
if concurrency == 1:
    with httpx.Client(timeout=60) as client:
        packages = [client.get(f"{base}/packages/{i}").raise_for_status().json() for i in ids]
else:
    async def main():
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(timeout=60) as client:
            async def one(i):
                async with gate:
                    return (await client.get(f"{base}/packages/{i}")).raise_for_status().json()
            return await asyncio.gather(*(one(i) for i in ids))
    packages = asyncio.run(main())
print(len(packages))
"""


def peer(handle: SimulatorHandle, counter: Counter, ids: list[str], concurrency: int,
         tmp: Path) -> tuple[int, float, float]:
    """A peer refreshing every object it knows by id: (requests, wall and CPU seconds)."""
    ids_file = tmp / "ids.json"
    ids_file.write_text(json.dumps(ids))
    counter.count = 0
    run = run_child([sys.executable, "-c", _PEER, handle.url("sandbox") + BASE_PATH,
                     str(ids_file), str(concurrency)], tmp)
    return counter.count, run.wall, run.cpu


# --- scenarios ------------------------------------------------------------------------------


def bench_help(runs: int) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        run, _ = median_run([*wfpromote_argv(), "--help"], Path(tmp), runs)
    return Row("`wfpromote --help` (start-up)", 0, run.wall, None, run.peak_mb, "< 0.1 s",
               cpu=run.cpu)


def _validate_package(i: int) -> str:
    """A realistic package file: two collections, an install chain with overrides."""
    import hashlib

    def ident(*parts: object) -> str:
        return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()

    return f"""\
# yaml-language-server: $schema=../../schemas/package.schema.json
name: Generated package {i:04d}
description: Benchmark package number {i} with templates and a dashboard.
source: sandbox
status: ACTIVE
objectCollections:
  - objCode: TMPL
    entities:
      - {{ID: {ident(i, "TMPL", 1)}, name: Template {i} A}}
      - {{ID: {ident(i, "TMPL", 2)}, name: Template {i} B}}
  - objCode: PTLTAB
    entities:
      - {{ID: {ident(i, "PTLTAB", 1)}, name: Dashboard {i}}}
install:
  - environment: preview
    overrides:
      TTSK:
        {ident(i, "TTSK", 1)}: IGNORE
      GROUP:
        {ident("GROUP", "Default Group")}: USEEXISTING
  - environment: production
    after: [preview]
"""


def bench_validate(files: int, runs: int, startup: float) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wfpromote.yaml").write_text(
            "owner: acme-workfront\npackages: packages/\nenvironments:\n"
            "  sandbox: {url: simulator, kind: sandbox}\n"
            "  preview: {url: simulator, kind: preview}\n"
            "  production: {url: simulator, kind: production}\n")
        for i in range(files):
            folder = root / "packages" / f"team{i % 20:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"package-{i:04d}.yaml").write_text(_validate_package(i))
        run, _ = median_run([*wfpromote_argv(), "validate"], root, runs)
    return Row(f"validate {files:,} files", 0, run.wall, startup, run.peak_mb,
               "< 0.45 s" if files == 1000 else "", cpu=run.cpu)


def timed_plan(handle: SimulatorHandle, counter: Counter, root: Path,
               runs: int) -> tuple[float, Run, list[float], int]:
    """The listing's own time, then `wfpromote plan` in ``root``: its median run, every wall
    time, and the most requests one run made."""
    listing = listing_seconds(handle, 3)
    counters: list[int] = []
    run, walls = median_run([*wfpromote_argv(), "plan"], root, runs,
                            before=lambda: counters.append(counter.count))
    counters.append(counter.count)
    requests = max(b - a for a, b in itertools.pairwise(counters))
    return listing, run, walls, requests


def bench_plan(handle: SimulatorHandle, counter: Counter, count: int, runs: int,
               startup: float, peers: bool) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_plan_repo(root, handle.base_url, count)
        ids = populate(handle, count)
        listing, run, walls, requests = timed_plan(handle, counter, root, runs)
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        if "No changes" not in last and "no changes" not in last.lower():
            raise SystemExit(f"plan of {count} unchanged packages did not say so: {last}")
        target = {1000: "≤ 4× floor, 1 request", 10000: "< 2.5 s, < 150 MB"}.get(count, "")
        rows.append(Row(f"plan {count:,} unchanged (vs {count:,} remote)", requests, run.wall,
                        startup + listing, run.peak_mb, target,
                        f"listing {listing * 1000:.0f} ms; runs {_spread(walls)}",
                        cpu=run.cpu))
        if peers:
            for concurrency, label in ((PEER_CONCURRENCY, "per-object refresh, "
                                        f"concurrency {PEER_CONCURRENCY}"),
                                       (1, "sequential script")):
                n, wall, cpu = peer(handle, counter, ids, concurrency, root)
                floor = startup + math.ceil(count / concurrency) * (LATENCY_MS / 1000)
                rows.append(Row(f"peer: {label}, {count:,} objects", n, wall, floor, None, "",
                                f"wfpromote takes {run.wall / wall:.3f}× its time, "
                                f"{requests}/{n} of its requests", cpu=cpu))
    return rows


def bench_apply(creates: int, concurrency: int, assembly: float, startup: float) -> Row:
    with simulator(assembly) as (handle, counter), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wfpromote.yaml").write_text(
            f"owner: bench\npackages: promotions/\nprune: \"off\"\nconcurrency: {concurrency}\n"
            f"environments:\n  sandbox: {{url: '{handle.url('sandbox')}', kind: sandbox}}\n")
        (root / "promotions").mkdir()
        template = {"ID": seed_id("sandbox", "TMPL", "Campaign Launch"),
                    "name": "Campaign Launch"}
        docs = [json.dumps({"name": f"Bench Package {i:04d}", "source": "sandbox",
                            "objectCollections": [{"objCode": "TMPL", "entities": [template]}]})
                for i in range(creates)]
        (root / "promotions" / "bench.yaml").write_text("\n---\n".join(docs))
        listing = listing_seconds(handle, 3)
        counter.count = 0
        run = run_child([*wfpromote_argv(), "apply", "--auto-approve"], root)
        requests = counter.count
    rounds = math.ceil(creates / concurrency)
    round_trip = LATENCY_MS / 1000
    floor = startup + listing + rounds * (assembly + 2 * round_trip)
    return Row(f"apply {creates} creates (assembly {assembly:g} s, concurrency {concurrency})",
               requests, run.wall, floor, run.peak_mb, "no worse than before",
               f"{requests / creates:.3f} requests per create", cpu=run.cpu)


INSTALL_ENVIRONMENTS = ("preview", "production")


def _install_config(root: Path, handle: SimulatorHandle, concurrency: int) -> None:
    envs = "".join(f"  {env}: {{url: '{handle.url(env)}', kind: {env}}}\n"
                   for env in ("sandbox", *INSTALL_ENVIRONMENTS))
    (root / "wfpromote.yaml").write_text(
        f"owner: {OWNER}\npackages: packages/\nconcurrency: {concurrency}\n"
        f"environments:\n{envs}")


def bench_plan_installs(packages: int, concurrency: int, runs: int, startup: float) -> Row:
    """Plan with installs declared into two environments for every package, all done: one
    listing plus one installation history per package (ceil(N/c) rounds)."""
    from reconciler.simulator.state import Installation, Package

    with simulator() as (handle, counter), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _install_config(root, handle, concurrency)
        (root / "packages").mkdir()
        data = [{**package_data(i), "status": "ACTIVE",
                 "install": [{"environment": "preview"},
                             {"environment": "production", "after": ["preview"]}]}
                for i in range(packages)]
        (root / "packages" / "bench.yaml").write_text(
            "\n---\n".join(json.dumps(d) for d in data))
        sim = handle.state
        host = handle.base_url.split("://", 1)[1]
        for i, item in enumerate(data):
            spec = PackageSpec.model_validate(item)
            pkg = Package(id=str(uuid.UUID(int=i + 1)), name=spec.name,
                          description=with_marker(spec.description, OWNER, spec.digest()),
                          source=handle.url("sandbox"), source_env="sandbox", status="ACTIVE",
                          createdAt="2026-01-01T00:00:00.000Z", createdById="0" * 32,
                          customerId="0" * 32, objectCollections=item["objectCollections"])
            sim.world.packages[pkg.id] = pkg
            for env in INSTALL_ENVIRONMENTS:
                done = Installation(
                    id=str(uuid.UUID(int=100_000 + 2 * i + (env == "production"))),
                    packageId=pkg.id, packageVersion=1, environment=env,
                    environment_label=f"{host}/{env}", userId="0" * 32, customerId="0" * 32,
                    status="INSTALLED", registeredAt="2026-01-02T00:00:00.000Z",
                    updatedAt="2026-01-02T00:01:00.000Z", translationMap={})
                sim.world.installations[done.id] = done
        sim.generation += 1
        listing, run, walls, requests = timed_plan(handle, counter, root, runs)
    rounds = math.ceil(packages / concurrency)
    floor = startup + listing + rounds * LATENCY_MS / 1000
    return Row(f"plan {packages} unchanged, 2 installs each, all done (concurrency "
               f"{concurrency})", requests, run.wall, floor, run.peak_mb, "",
               f"1 listing + {rounds} rounds of installation histories; runs "
               f"{_spread(walls)}", cpu=run.cpu)


def bench_apply_installs(installs: int, concurrency: int, install_seconds: float,
                         startup: float) -> Row:
    """Install N existing packages into one environment (disjoint records)."""
    from reconciler.simulator.seed import SourceRecord

    with simulator() as (handle, counter), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sim = handle.state
        ids = []
        for i in range(installs):  # one role per package: no two installs share a record
            rid = uuid.UUID(int=10_000 + i).hex
            sim.world.environments["sandbox"].records[rid] = SourceRecord(
                "ROLE", rid, f"Bench Role {i:03d}")
            ids.append(rid)
        _install_config(root, handle, concurrency)
        (root / "packages").mkdir()

        def write(with_installs: bool) -> None:
            docs = [json.dumps({"name": f"Bench package {i:05d}", "source": "sandbox",
                                "status": "ACTIVE",
                                "objectCollections": [{"objCode": "ROLE",
                                                       "entities": [{"ID": ids[i]}]}],
                                "install": [{"environment": "preview"}] if with_installs
                                else []}) for i in range(installs)]
            (root / "packages" / "bench.yaml").write_text("\n---\n".join(docs))

        write(with_installs=False)
        sim.install_seconds = 0.0
        run_child([*wfpromote_argv(), "apply", "--auto-approve"], root)  # the packages
        write(with_installs=True)
        sim.install_seconds = install_seconds
        listing = listing_seconds(handle, 3)
        counter.count = 0
        run = run_child([*wfpromote_argv(), "apply", "--auto-approve"], root)
        requests = counter.count
    rounds = math.ceil(installs / concurrency)
    trip = LATENCY_MS / 1000
    # plan: the listing and one installation history per package; then per round a pre-run,
    # the install, one poll and the install time.
    floor = startup + listing + rounds * trip + rounds * (install_seconds + 3 * trip)
    return Row(f"apply {installs} installs (install {install_seconds:g} s, concurrency "
               f"{concurrency})", requests, run.wall, floor, run.peak_mb, "no worse than before",
               f"{requests / installs:.2f} requests per install, plan included", cpu=run.cpu)


def _spread(walls: list[float]) -> str:
    return f"{min(walls):.2f}–{max(walls):.2f} s"


# --- the table ------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", load average {:.2f} {:.2f} {:.2f} at start".format(*os.getloadavg()) \
        if hasattr(os, "getloadavg") else ""
    return (f"{model}, {os.cpu_count()} logical CPUs{memory}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}{load}")


def table(rows: list[Row]) -> str:
    head = ("| scenario | requests | wall time | floor | ratio to floor | peak memory | CPU "
            "| target | notes |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
    body = ""
    for r in rows:
        body += (f"| {r.scenario} | {'' if r.requests is None else r.requests} | "
                 f"{r.wall:.3f} s | {'' if r.floor is None else f'{r.floor:.3f} s'} | "
                 f"{'' if r.ratio is None else f'{r.ratio:.2f}×'} | "
                 f"{'' if r.peak_mb is None else f'{r.peak_mb:.0f} MB'} | "
                 f"{'' if r.cpu is None else f'{r.cpu:.2f} s'} | {r.target} | "
                 f"{r.note} |\n")
    return head + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (median)")
    parser.add_argument("--quick", action="store_true",
                        help="skip 10,000 packages, the sequential peer and the applies")
    parser.add_argument("--no-write", action="store_true",
                        help="do not write docs/benchmarks.md (--quick and --only never do)")
    parser.add_argument("--only", default="",
                        help="comma-separated: help,validate,plan,installs,apply")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    wanted = (lambda name: not only or name in only)  # noqa: E731
    described = machine()
    started = time.perf_counter()
    compile_measured_code()
    rows = [bench_help(args.runs)]
    startup = rows[0].wall
    if wanted("validate"):
        rows.append(bench_validate(1000, args.runs, startup))
    if wanted("plan"):
        with simulator() as (handle, counter):
            for count in (100, 1000) if args.quick else (100, 1000, 10000):
                rows += bench_plan(handle, counter, count,
                                   args.runs if count < 10000 else max(3, args.runs - 2),
                                   startup, peers=count == 1000 and not args.quick)
    if wanted("installs"):
        rows.append(bench_plan_installs(500, 8, max(3, args.runs - 2), startup))
    if wanted("apply") and not args.quick:
        rows.append(bench_apply(200, 8, 1.0, startup))
    if wanted("installs") and not args.quick:
        rows.append(bench_apply_installs(50, 8, 1.0, startup))
    text = table(rows)
    took = time.perf_counter() - started
    code = os.environ.get("WFPROMOTE_CODE")
    print(f"machine: {described}")
    if code:
        print(f"code measured: {code}")
    print(text)
    print(f"(harness took {took:.0f} s)")
    if args.no_write or args.quick or only:
        print(f"({DOC.relative_to(ROOT)} not written: "
              f"{'--no-write' if args.no_write else 'a partial run'})")
    else:
        write_doc(text, described, took, args.runs)
    return 0


def write_doc(text: str, described: str, took: float, runs: int) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    DOC.write_text(f"""\
# Benchmarks

Written by `make bench` (`benchmarks/bench.py`) on {now}; it took {took:.0f} s.

**Machine:** {described}. The cores may be shared with other work: wall times are medians of
{runs} runs after a warm-up run (the 10,000-package plan: medians of {max(3, runs - 2)}), and
the notes give the spread.

Every row runs the real `wfpromote` command as a child process against the simulator served
over real HTTP on 127.0.0.1, with {LATENCY_MS:g} ms of latency added to every request and
TCP_NODELAY set on its sockets. The measured package is byte-compiled first, as an
installed wheel is (an editable checkout under PYTHONDONTWRITEBYTECODE would otherwise
compile every module on every run). **requests** are what the simulator received; **peak memory**
is the child's maximum resident set size; **CPU** is its user plus system time (of the median
run), which varies much less than wall time when other work shares the cores.

**The floor is physical**: start-up as `wfpromote --help` measures it, plus the round trips
the API cannot avoid. A plan must list once (the listing's time is measured with a bare HTTP
client on a fresh connection against the same simulator); validating needs no round trip; an
apply of N creates at concurrency c needs ceil(N/c) rounds of one POST, the assembly, and one
poll; a plan with installs declared also reads one installation history per package
(ceil(N/c) rounds), and an apply of N installs needs ceil(N/c) rounds of a pre-run, the
install, one poll and the install time. A peer's floor is start-up plus ceil(N/c) round
trips for its N per-object reads.

Peers run against the same simulator in the same run over the same packages, as child
processes of their own: a **per-object refresh at concurrency 10** (what Terraform's REST
providers do: one GET per object in the state) and a **sequential script** (one GET after
another). The notes of their rows give wfpromote's time and requests as a fraction of theirs.

{text}
Targets (read, never asserted): a plan of 1,000 unchanged packages at most 3× its floor with
one request; a plan of 10,000 declared against 10,000 remote under 2.5 s and 150 MB; validate
of 1,000 files under 0.4 s; `--help` under 0.1 s; apply no worse than before.

Run `make bench` (a few minutes) to measure again; `benchmarks/bench.py --quick` skips the
10,000-package plan, the sequential peer and both applies; `--only plan,installs` picks
scenarios (neither rewrites this page). `benchmarks/bench_simulator.py`
measures the simulator's own listing throughput.
""", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
