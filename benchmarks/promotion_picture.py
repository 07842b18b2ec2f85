"""Soak gates and the promotion picture of issue 22, shown against the simulator over real
HTTP on 127.0.0.1, in one API profile, on one fake clock shared by the simulator and
wfpromote.

1. A soak timeline: a package installed into preview, production behind
   ``after: [{environment: preview, soak: 4h}]``; at t=0 (after the first apply), t+1h,
   t+3h59m and t+4h, the production cell of ``status --format json`` and whether an apply
   then installs production (requests it used, by kind, as the server saw them).
2. A repository whose status has every state at once (installed, pending, blocked by a gate
   and by a TESTING status, soaking), with a fourth environment ``uat`` (kind preview) so
   that a gate can block behind a soaking install: ``status --format markdown`` whole.
3. ``status --format html`` written to build/status-page-all-states.html, its size, and a
   screenshot of it by headless Chromium where one is found (console errors checked).

    .venv/bin/python benchmarks/promotion_picture.py [--profile current|2023]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lifecycle import KINDS, Counting, write_repository

from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.simulator.core import Simulator
from reconciler.simulator.seed import seed_id
from reconciler.simulator.server import _served_app, app_in_thread

ROOT = Path(__file__).resolve().parents[1]
OWNER = "acme-picture"
PAGE = ROOT / "build" / "status-page-all-states.html"
SHOT = ROOT / "build" / "status-page-all-states.png"
SOAK = {"environment": "preview", "soak": "4h"}
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] \"?(.*?)\"?(?:, source: .*)?$", re.MULTILINE)


def chromium_binary() -> str | None:
    """The same lookup as tests/apply/test_apply_status_picture.py."""
    return next((p for p in (os.environ.get("WFPROMOTE_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome"))
                 if p), None)


def doc(name: str, template: str, status: str, *steps: dict[str, Any]) -> dict[str, Any]:
    """A package of one sandbox template, installed by ``steps`` (default: preview)."""
    return {"name": name, "description": "promotion picture", "source": "sandbox",
            "status": status, "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": seed_id("sandbox", "TMPL", template), "name": template}]}],
            "install": list(steps) or [{"environment": "preview"}]}


def step(env: str, *after: Any) -> dict[str, Any]:
    return {"environment": env, "after": list(after)} if after else {"environment": env}


class Repo:
    """A throw-away repository wired to the served simulator, run on ``clock``."""

    def __init__(self, root: Path, url: str, profile: str, sim: Simulator,
                 counter: Counting, clock: FakeClock, kinds: dict[str, str]) -> None:
        self.root, self.sim, self.counter, self.clock = root, sim, counter, clock
        write_repository(root, url, profile, OWNER, kinds)

    def declare(self, file: str, document: dict[str, Any]) -> None:
        (self.root / "promotions" / file).write_text(json.dumps(document, indent=1),
                                                     encoding="utf-8")

    def cli(self, *args: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["--config", str(self.root / "wfpromote.yaml"), *args],
                       clock=self.clock)
        if code != 0:
            raise SystemExit(f"wfpromote {' '.join(args)} exited {code}:\n"
                             f"{out.getvalue()}{err.getvalue()}")
        return out.getvalue()

    def records(self, env: str) -> list[str]:
        return [f"{i.id} {i.status}" for i in self.sim.world.installations.values()
                if i.environment == env]

    def apply(self) -> str:
        """One apply; the requests it used and what it installed into production."""
        self.counter.seen.clear()
        before = self.records("production")
        self.cli("apply", "--auto-approve", "--format", "json")
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.counter.seen.items()))
        new = [r for r in self.records("production") if r not in before]
        installed = f"yes ({'; '.join(new)})" if new else "no"
        return (f"apply used {sum(self.counter.seen.values())} requests ({kinds}); "
                f"production installed: {installed}")

    def cell(self, package: str, env: str) -> str:
        status = json.loads(self.cli("status", "--format", "json"))
        [row] = [p for p in status["packages"] if p["name"] == package]
        cell = row["cells"][env]
        return f"{cell['state']} (reason: {cell['reason']})"


@contextlib.contextmanager
def repository(profile: str, kinds: dict[str, str] = KINDS) -> Iterator[Repo]:
    clock = FakeClock()
    sim, _injector, app = _served_app(profile, state_path=None, environments=kinds,
                                      faults=None, clock=clock, assembly_seconds=0.0,
                                      install_seconds=0.0)
    counter = Counting(app)
    with tempfile.TemporaryDirectory() as tmp, \
            app_in_thread(counter, name="promotion-picture") as port:
        yield Repo(Path(tmp), f"http://127.0.0.1:{port}", profile, sim, counter, clock,
                   kinds)


def soak_timeline(profile: str) -> None:
    print(f"== 1. soak timeline (profile {profile}): production after "
          "[{environment: preview, soak: 4h}]")
    with repository(profile) as repo:
        repo.declare("launch.json", doc("Campaign Launch", "Campaign Launch", "ACTIVE",
                                        step("preview"), step("production", SOAK)))
        start = repo.clock.now()
        print(f"  first apply: {repo.apply()}")
        t0 = repo.clock.now()
        print(f"  (the first apply moved the fake clock by {t0 - start:.1f} s; preview "
              f"records: {'; '.join(repo.records('preview'))})")
        for label, offset in (("t=0", 0), ("t+1h", 3_600), ("t+3h59m", 4 * 3_600 - 60),
                              ("t+4h", 4 * 3_600)):
            repo.clock.advance(t0 + offset - repo.clock.now())
            print(f"  {label:8} production cell: {repo.cell('Campaign Launch', 'production')}")
            print(f"  {'':8} {repo.apply()}")
        print(f"  {'after':8} production cell: "
              f"{repo.cell('Campaign Launch', 'production')}")


def all_states(profile: str) -> str:
    """Every state in one repository; prints the Markdown status; the HTML page. A gate
    blocks only behind a blocked install (one planned earlier in the run counts), so the
    chain is preview -> uat (soaking) -> production (blocked by its gate on uat)."""
    kinds = {"sandbox": "sandbox", "preview": "preview", "uat": "preview",
             "production": "production"}
    with repository(profile, kinds) as repo:
        repo.declare("offboarding.json", doc("Offboarding", "New Agency Offboarding", "ACTIVE"))
        repo.declare("trial.json", doc("Launch Trial", "Campaign Launch", "TESTING",
                                       step("preview"), step("production", "preview")))
        repo.declare("gated.json", doc(
            "Gated Launch", "New Agency Offboarding", "ACTIVE", step("preview"),
            step("uat", SOAK), step("production", "uat")))
        repo.apply()
        repo.declare("fresh.json", doc("Fresh", "Campaign Launch", "ACTIVE", step("preview"),
                                       step("production", "preview")))
        repo.clock.advance(3_600)   # the soak shows 3h left
        markdown = repo.cli("status", "--format", "markdown")
        print(f"== 2. status --format markdown, every state at once (profile {profile}), "
              "one hour after the apply:")
        print(markdown, end="" if markdown.endswith("\n") else "\n")
        return repo.cli("status", "--format", "html")


def chromium(binary: str, profile_dir: Path, *args: str) -> tuple[int, str, list[str]]:
    """Headless Chromium as the test runs it: exit code, stdout, the console messages."""
    done = subprocess.run(
        [binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         "--disable-extensions", "--enable-logging=stderr", "--v=0",
         f"--user-data-dir={profile_dir}", *args],
        capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout, [m.group(1) for m in CONSOLE.finditer(done.stderr)]


def html_page(page: str) -> None:
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(page, encoding="utf-8")
    print(f"== 3. status --format html: {PAGE} ({PAGE.stat().st_size} bytes)")
    binary = chromium_binary()
    if binary is None:
        print("  Chromium not found (WFPROMOTE_CHROMIUM, chromium, chromium-browser, "
              "google-chrome): no screenshot taken, console not checked")
        return
    with tempfile.TemporaryDirectory() as tmp:
        code, dom, console = chromium(binary, Path(tmp), "--dump-dom", PAGE.as_uri())
        states = sorted(set(re.findall(r'data-state="([a-z]+)"', dom)))
        print(f"  {binary} --dump-dom: exit {code}, console messages: {console or 'none'}; "
              f"states on the page: {', '.join(states)}")
        SHOT.unlink(missing_ok=True)
        code, _, console = chromium(binary, Path(tmp), f"--screenshot={SHOT}",
                                    "--window-size=1280,900", "--hide-scrollbars",
                                    PAGE.as_uri())
    if SHOT.exists():
        print(f"  screenshot: {SHOT} ({SHOT.stat().st_size} bytes, exit {code}, "
              f"console messages: {console or 'none'})")
    else:
        print(f"  no screenshot written (Chromium exit {code}, console: {console})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="current", choices=["current", "2023"])
    args = parser.parse_args(argv)
    soak_timeline(args.profile)
    print()
    page = all_states(args.profile)
    print()
    html_page(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
