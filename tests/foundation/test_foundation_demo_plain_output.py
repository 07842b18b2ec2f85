"""`make demo | tee demo.log` must not fill the log with terminal escape codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_headings_are_plain_when_piped(tmp_path: Path) -> None:
    # The real script against a stub wfpromote: only the script's own output is judged.
    (tmp_path / "examples" / "promotions").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "demo.sh", tmp_path / "examples" / "demo.sh")
    stub = tmp_path / ".venv" / "bin" / "wfpromote"
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stub.chmod(0o755)
    done = subprocess.run(["bash", str(tmp_path / "examples" / "demo.sh")],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert "==> wfpromote validate" in done.stderr
    assert "\x1b" not in done.stderr + done.stdout
