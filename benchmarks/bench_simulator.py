"""Requests per second of the simulator's `GET /packages` with 1,000 packages.

Served over real HTTP on 127.0.0.1 by uvicorn in a thread; measured sequentially with one
httpx client, then with concurrent async clients. Prints the figures; asserts nothing.

    .venv/bin/python benchmarks/bench_simulator.py [--packages 1000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from reconciler.simulator.seed import seed_id
from reconciler.simulator.server import serve_in_thread

PATH = "/environment-promotion/api/v1/packages"


def fill(handle_state: object, count: int) -> None:
    from reconciler.simulator.core import Simulator

    assert isinstance(handle_state, Simulator)
    ident = seed_id("sandbox", "TMPL", "New Agency Onboarding")
    for index in range(count):
        handle_state.create_package({
            "name": f"Package {index:04d}", "description": "benchmark", "source": "sandbox",
            "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": ident}]}]},
            "sandbox")


def render_once(handle_state: object) -> float:
    """Milliseconds to build the list answer from scratch (what the cache saves)."""
    import json

    from reconciler.domain.profiles import DEFAULT_PROFILE
    from reconciler.simulator.core import Simulator
    from reconciler.simulator.profiles import wire_format

    assert isinstance(handle_state, Simulator)
    packages = handle_state.list_packages()
    start = time.perf_counter()
    for _ in range(20):
        json.dumps({"data": [wire_format(DEFAULT_PROFILE).list_item(p) for p in packages]}).encode()
    return (time.perf_counter() - start) / 20 * 1000


def sequential(url: str, requests: int) -> float:
    with httpx.Client(timeout=30) as client:
        client.get(url).raise_for_status()
        start = time.perf_counter()
        for _ in range(requests):
            client.get(url).raise_for_status()
        return requests / (time.perf_counter() - start)


async def concurrent(url: str, requests: int, workers: int) -> float:
    async with httpx.AsyncClient(timeout=30) as client:
        (await client.get(url)).raise_for_status()
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                (await client.get(url)).raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return requests / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with serve_in_thread() as handle:
        started = time.perf_counter()
        fill(handle.state, args.packages)
        fill_seconds = time.perf_counter() - started
        url = handle.url("sandbox") + PATH
        size = len(httpx.get(url).content)
        seq = sequential(url, args.requests)
        conc = asyncio.run(concurrent(url, args.requests, args.workers))
        render_ms = render_once(handle.state)
    print(f"simulator GET /packages, {args.packages} packages, {size / 1024:.0f} KiB per answer")
    print(f"  filled in {fill_seconds:.2f} s (in-process, no state file)")
    print(f"  sequential:  {seq:8.0f} requests/s  ({args.requests} requests, one client)")
    print(f"  concurrent:  {conc:8.0f} requests/s  ({args.requests} requests, "
          f"{args.workers} async workers)")
    print(f"  ratio concurrent/sequential: {conc / seq:.2f}")
    print(f"  rendering the list without the cache: {render_ms:.1f} ms per request "
          f"(at most {1000 / render_ms:.0f} requests/s)")


if __name__ == "__main__":
    main()
