"""Apply throughput: 200 creates, 1 s simulated assembly, 50 ms latency, concurrency 8.

The simulator is served over real HTTP on 127.0.0.1. The floor is 200 / 8 = 25 rounds of one
assembly plus the round trips of one create (POST, a poll, nothing else for a DRAFT package).
Prints wall time, floor, their ratio (target <= 1.5) and requests per create, polls included.

    .venv/bin/python benchmarks/bench_apply.py [--creates 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reconciler.desired.config import load_config  # noqa: E402
from reconciler.run.applying import ApplyRequest, run_apply  # noqa: E402
from reconciler.simulator.faults import Faults  # noqa: E402
from reconciler.simulator.seed import seed_id  # noqa: E402
from reconciler.simulator.server import serve_in_thread  # noqa: E402

TARGET_RATIO = 1.5


def write_repo(root: Path, base_url: str, creates: int, assembly: float) -> Path:
    config = root / "wfpromote.yaml"
    config.write_text(
        "api: current\nowner: bench\npackages: promotions/\nprune: \"off\"\n"
        f"simulator: {{assembly_seconds: {assembly}}}\n"
        "environments:\n"
        f"  sandbox: {{url: {base_url}/sandbox, kind: sandbox}}\n", encoding="utf-8")
    folder = root / "promotions"
    folder.mkdir()
    template = {"ID": seed_id("sandbox", "TMPL", "Campaign Launch"), "name": "Campaign Launch"}
    docs = [json.dumps({"name": f"Bench Package {i:04d}", "source": "sandbox",
                        "objectCollections": [{"objCode": "TMPL", "entities": [template]}]})
            for i in range(creates)]
    (folder / "bench.yaml").write_text("\n---\n".join(docs), encoding="utf-8")
    return config


def count_requests(handle: Any) -> dict[str, int]:
    """Count requests as the fault middleware sees them (one error_for call each)."""
    counter = {"requests": 0}
    lock = threading.Lock()
    original = handle.injector.error_for

    def counting(*args: Any, **kwargs: Any) -> Any:
        with lock:
            counter["requests"] += 1
        return original(*args, **kwargs)

    handle.injector.error_for = counting
    return counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--assembly", type=float, default=1.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    faults = Faults(latency_ms=args.latency_ms)
    with serve_in_thread(assembly_seconds=args.assembly, faults=faults) as handle, \
            tempfile.TemporaryDirectory() as tmp:
        config_path = write_repo(Path(tmp), handle.base_url, args.creates, args.assembly)
        config = load_config(str(config_path))
        counter = count_requests(handle)
        request = ApplyRequest(auto_approve=True, concurrency=args.concurrency,
                               output_format="json")
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        code = run_apply(config, request, stdin=io.StringIO(), stdout=out, stderr=err)
        wall = time.perf_counter() - started
        report = json.loads(out.getvalue())

    rounds = -(-args.creates // args.concurrency)
    round_trip = args.latency_ms / 1000.0
    floor = rounds * (args.assembly + 2 * round_trip) + round_trip  # + the listing
    ratio = wall / floor
    per_create = counter["requests"] / max(1, args.creates)
    print(f"creates: {args.creates}  concurrency: {args.concurrency}  "
          f"assembly: {args.assembly:g} s  latency: {args.latency_ms:g} ms")
    print(f"outcome: {report['summary']}")
    print(f"wall time: {wall:.2f} s")
    print(f"floor: {floor:.2f} s ({rounds} rounds of assembly + POST + one poll)")
    print(f"ratio: {ratio:.2f} (target <= {TARGET_RATIO}); against the bare "
          f"{rounds * args.assembly:g} s of assembly alone: {wall / (rounds * args.assembly):.2f}")
    print(f"requests: {counter['requests']} ({per_create:.2f} per create, polls and the "
          "listing included)")
    if code != 0:
        print(f"apply failed with exit code {code}", file=sys.stderr)
        return 1
    return 0 if ratio <= TARGET_RATIO else 2


if __name__ == "__main__":
    sys.exit(main())
