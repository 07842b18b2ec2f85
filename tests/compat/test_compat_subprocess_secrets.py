"""The real console entry point, in its own process, against a fake that echoes the refused key
and one that fails with an HTML page: exit 1, one message, no traceback, no key anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from compat_repo import AGENCY, new_repo, package_doc
from compat_server import CompatHandle


def _run(config: Path, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WF", "CI"))}
    env["WF_KEY"] = key
    return subprocess.run([sys.executable, "-m", "reconciler", "--config", str(config), *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_no_key_in_any_output_of_a_separate_process(compat: Callable[..., CompatHandle],
                                                   tmp_path: Path, canary: str) -> None:
    refusing = compat(api_key="another-key-entirely", auth_html=True)
    repo = new_repo(tmp_path, refusing)
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY)))
    plan_file, report = tmp_path / "plan.json", tmp_path / "report.json"
    for args in (("plan", "--out", str(plan_file)),
                 ("apply", "--auto-approve", "--report", str(report))):
        done = _run(repo.config_path, canary, *args)
        assert done.returncode == 1, done.stderr
        assert canary not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "credentials refused (HTTP 401)" in done.stderr and "$WF_KEY" in done.stderr
    assert not plan_file.exists()
    assert canary not in report.read_text() and '"error"' in report.read_text()

    failing = compat(faults={"get": "html500"})
    repo.write_config(url=failing.url)
    done = _run(repo.config_path, canary, "apply", "--auto-approve", "--report", str(report))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert canary not in done.stdout + done.stderr + report.read_text()
    assert "HTTP 500" in done.stdout and "500 Internal Server Error" in done.stdout
