"""How fast is `wfpromote validate` on 1,000 package files, and `wfpromote --help`?

Targets: `--help` under 0.3 s; validating 1,000 files under 2 s (wall time of the whole
process, so interpreter start-up and imports count). Prints figures and ratios to target
(a ratio under 1.0 meets it); exits 0 either way, it measures rather than judges.
"""

from __future__ import annotations

import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = 1_000
RUNS = 3
HELP_TARGET = 0.3
VALIDATE_TARGET = 2.0

CONFIG = """\
api: current
owner: acme-workfront
packages: packages/
environments:
  sandbox: {url: simulator, kind: sandbox}
  preview: {url: simulator, kind: preview}
  production: {url: simulator, kind: production}
"""


def _id(*parts: object) -> str:
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


def package(i: int) -> str:
    """A realistic package file: two collections, an install chain with overrides."""
    return f"""\
# yaml-language-server: $schema=../../schemas/package.schema.json
name: Generated package {i:04d}
description: Benchmark package number {i} with templates and a dashboard.
source: sandbox
status: ACTIVE
objectCollections:
  - objCode: TMPL
    entities:
      - {{ID: {_id(i, "TMPL", 1)}, name: Template {i} A}}
      - {{ID: {_id(i, "TMPL", 2)}, name: Template {i} B}}
  - objCode: PTLTAB
    entities:
      - {{ID: {_id(i, "PTLTAB", 1)}, name: Dashboard {i}}}
install:
  - environment: preview
    overrides:
      TTSK:
        {_id(i, "TTSK", 1)}: IGNORE
      GROUP:
        {_id("GROUP", "Default Group")}: USEEXISTING
  - environment: production
    after: [preview]
"""


def command() -> list[str]:
    script = Path(sys.executable).with_name("wfpromote")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    best = []
    code = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        best.append(time.perf_counter() - started)
        code = done.returncode
        if code not in (0,):
            print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return statistics.median(best), code


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="wfp-bench-"))
    try:
        (workdir / "wfpromote.yaml").write_text(CONFIG)
        packages = workdir / "packages"
        for i in range(FILES):
            folder = packages / f"team{i % 20:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"package-{i:04d}.yaml").write_text(package(i))
        base = command()
        help_time, help_code = timed([*base, "--help"], workdir)
        validate_time, validate_code = timed([*base, "validate"], workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"wfpromote --help:            {help_time:6.3f} s  (target {HELP_TARGET} s, "
          f"ratio {help_time / HELP_TARGET:.2f}, exit {help_code})")
    print(f"wfpromote validate ({FILES} files): {validate_time:6.3f} s  (target "
          f"{VALIDATE_TARGET} s, ratio {validate_time / VALIDATE_TARGET:.2f}, "
          f"exit {validate_code})")
    print(f"per file: {validate_time / FILES * 1000:.2f} ms (median of {RUNS} runs)")
    return 0 if help_code == 0 and validate_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
