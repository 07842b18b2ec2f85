"""Pin the examples, the README, the docs and the pre-commit hook to a release commit.

    python tools/pin.py SHA        rewrite every pin to SHA (a full commit of this repository)
    python tools/pin.py            print the pin in use

Run it in the commit after a release commit (docs/releasing.md): a commit cannot name its
own SHA, so a release is two commits, "Release X.Y.Z" then "Pin X.Y.Z". The pin test
(tests/foundation/test_foundation_pin.py) reads the same list of files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("README.md", ".pre-commit-hooks.yaml", "examples/gitlab/.gitlab-ci.yml",
         "examples/github/wfpromote-plan.yml", "examples/github/wfpromote-apply.yml",
         "examples/github/wfpromote-drift.yml", "docs/gitops.md", "docs/releasing.md")
# `uses: OWNER/wfpromote@SHA # VERSION`, `.../wfpromote@SHA"`, `.../archive/SHA.tar.gz`,
# pre-commit's `rev: SHA`.
PIN = re.compile(r"(?:OWNER/wfpromote(?:@|/archive/)|\brev: )(?P<sha>[0-9a-f]{40})")
USES = re.compile(r"(OWNER/wfpromote@[0-9a-f]{40}) # [\w.]+")


def pins(root: Path = ROOT) -> dict[str, set[str]]:
    """Every pinned SHA, with the files that hold it."""
    found: dict[str, set[str]] = {}
    for name in FILES:
        path = root / name
        if path.is_file():
            for match in PIN.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(match["sha"], set()).add(name)
    return found


def version_at(sha: str, root: Path = ROOT) -> str:
    text = subprocess.run(["git", "-C", str(root), "show", f"{sha}:reconciler/__init__.py"],
                          capture_output=True, text=True, check=True).stdout
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{sha} has no __version__ in reconciler/__init__.py")
    return match[1]


def main(argv: list[str]) -> int:
    if not argv:
        for sha, names in pins().items():
            print(sha, " ".join(sorted(names)))
        return 0
    [new] = argv
    if not re.fullmatch(r"[0-9a-f]{40}", new):
        raise SystemExit("give the full 40-character commit SHA")
    version = version_at(new)
    for name in FILES:
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        changed = PIN.sub(lambda m: m[0].replace(m["sha"], new), text)
        changed = USES.sub(lambda m: f"{m[1]} # {version}", changed)
        if changed != text:
            path.write_text(changed, encoding="utf-8", newline="\n")
            print(f"pinned {name} to {new} ({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
