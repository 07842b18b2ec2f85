"""Build hook: write the git commit being built into the package, for `wfpromote --version`.

A wheel or sdist built in a git checkout (`pip install .`, `pip install git+...`,
`python -m build`) gets `reconciler/_build_commit.txt` holding `git rev-parse HEAD`. Nothing is
written for an editable install (it asks git at run time), outside a checkout, when git is
missing, or when the source already carries the file (a wheel built from such an sdist).
The build never fails because of this hook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TARGET = "reconciler/_build_commit.txt"


class CommitHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        if version == "editable" or (root / TARGET).is_file() or not (root / ".git").exists():
            return
        try:
            result = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                    capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return
        sha = result.stdout.strip()
        if result.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40}", sha):
            return
        self._folder = tempfile.mkdtemp(prefix="wfpromote-build-")
        written = Path(self._folder) / "_build_commit.txt"
        written.write_text(sha + "\n", encoding="ascii")
        build_data["force_include"][str(written)] = TARGET

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
