"""Summarise the last `make mutation` run and hold its survivors to docs/testing.md.

Every mutant mutmut could not kill must be listed in docs/testing.md as equivalent (with its
reason); any other survivor is a gap in the tests of the planning core, and this exits 1.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "testing.md"
MUTMUT = Path(sys.executable).parent / "mutmut"
LISTED = re.compile(r"`(reconciler\.[^`\s]+__mutmut_\d+)`")


def main() -> int:
    if not (ROOT / "mutants").is_dir():
        print("no mutation run to report on: run `make mutation` first", file=sys.stderr)
        return 1
    subprocess.run([str(MUTMUT), "export-cicd-stats"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    stats = json.loads((ROOT / "mutants" / "mutmut-cicd-stats.json").read_text())
    results = subprocess.run([str(MUTMUT), "results"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    alive = dict(line.strip().rsplit(": ", 1) for line in results.splitlines()
                 if ": " in line)
    equivalent = set(LISTED.findall(DOC.read_text(encoding="utf-8")))
    total, killed = stats["total"], stats["killed"]
    judged = sorted(name for name in alive if name in equivalent)
    gaps = sorted(name for name in alive if name not in equivalent)
    stale = sorted(equivalent - set(alive))
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
