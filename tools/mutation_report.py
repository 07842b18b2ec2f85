"""Summarise the last `make mutation` run and hold its survivors to docs/testing.md.

Every mutant mutmut could not kill must be listed in docs/testing.md as equivalent (with its
reason); any other survivor is a gap in the tests of the planning core, and this exits 1.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "testing.md"
MUTMUT = Path(sys.executable).parent / "mutmut"
LISTED = re.compile(r"`(reconciler\.[^`\s]+__mutmut_\d+)`")


def statuses(root: Path) -> dict[str, str]:
    """Every mutant of the last run in ``root`` and its status (killed, survived, ...)."""
    results = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=root, check=True,
                             capture_output=True, text=True).stdout
    return dict(line.strip().rsplit(": ", 1) for line in results.splitlines() if ": " in line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="where the run was made (default: the repository)")
    parser.add_argument("patterns", nargs="*",
                        help="only mutants whose names match these fnmatch patterns "
                             "(default: all)")
    args = parser.parse_args(argv)
    root: Path = args.root
    if not (root / "mutants").is_dir():
        print("no mutation run to report on: run `make mutation` first", file=sys.stderr)
        return 1
    every = statuses(root)
    if args.patterns:
        every = {k: v for k, v in every.items()
                 if any(fnmatch.fnmatch(k, p) for p in args.patterns)}
    # Not run (filtered out, or the run was cut short) is not a verdict: left out.
    judged_all = {k: v for k, v in every.items() if v not in ("not checked", "skipped")}
    # A mutant that makes the tests hang past mutmut's timeout was told apart: killed.
    alive = {k: v for k, v in judged_all.items() if v not in ("killed", "timeout")}
    equivalent = set(LISTED.findall(DOC.read_text(encoding="utf-8")))
    total = len(judged_all)
    killed = total - len(alive)
    judged = sorted(name for name in alive if name in equivalent)
    gaps = sorted(name for name in alive if name not in equivalent)
    stale = sorted(n for n in equivalent - set(alive) if n in judged_all)
    score = 100.0 * killed / total if total else 0.0
    counted = total - len(judged)
    real = 100.0 * killed / counted if counted else 0.0
    print(f"mutants: {total}, killed: {killed} ({score:.1f}%), not killed: {len(alive)} "
          f"({len(judged)} listed as equivalent in docs/testing.md)")
    print(f"score of non-equivalent mutants: {killed}/{counted} = {real:.1f}%")
    for name in stale:
        print(f"note: {name} is listed as equivalent but no longer survives; "
              "drop it from docs/testing.md")
    for name in gaps:
        print(f"not killed ({alive[name]}): {name}  (see: mutmut show {name})")
    if gaps:
        print(f"{len(gaps)} mutant(s) survive that docs/testing.md does not list as "
              "equivalent: add a test that kills each, or list it there with the reason")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
