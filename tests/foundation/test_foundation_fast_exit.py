"""The real entry point ends the process without tearing it down (``cli.fast_exit``): every
byte of output still arrives through a pipe, files are whole, and the exit code is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import CONFIG

PACKAGE = """\
name: Fast Exit Package {i:04d}
description: {text}
source: sandbox
objectCollections:
  - objCode: TMPL
    entities:
      - {{ID: ffa0f8d27e87c5ba0010aeee529de4a4, name: New Agency Onboarding}}
"""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "WFPROMOTE_CONFIG")}
    return subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_output_files_and_exit_code_survive_the_fast_exit(tmp_path: Path) -> None:
    (tmp_path / "wfpromote.yaml").write_text(CONFIG, encoding="utf-8")
    folder = tmp_path / "packages"
    folder.mkdir()
    count = 300  # the plan text is far larger than a pipe's buffer
    for i in range(count):
        (folder / f"p{i:04d}.yaml").write_text(
            PACKAGE.format(i=i, text="long words " * 20), encoding="utf-8")
    done = _run(tmp_path, "plan", "--detailed-exitcode", "--out", "plan.json")
    assert done.returncode == 2, done.stderr
    assert len(done.stdout) > 65_536
    for i in range(count):
        assert f"Fast Exit Package {i:04d}" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("Plan:")
    saved = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert len(saved["actions"]) == count

    (folder / "broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    failed = _run(tmp_path, "validate")
    assert failed.returncode == 1
    assert "packages/broken.yaml:2:" in failed.stderr and "Traceback" not in failed.stderr
