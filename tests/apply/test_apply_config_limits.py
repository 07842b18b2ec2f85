"""Apply's concurrency, waits and polling come from wfpromote.yaml (and --concurrency)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from apply_sim import new_repo, package_doc

from reconciler.desired.config import load_config
from reconciler.run.applying import ApplyRequest, settings_for
from reconciler.simulator.server import SimulatorHandle

REMOTE = """\
api: current
owner: acme
packages: packages/
environments:
  sandbox: {url: https://acme.sb01.workfront.com, kind: sandbox, auth: {apikey_env: K}}
"""


def config_with(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "wfpromote.yaml"
    path.write_text(REMOTE + extra, encoding="utf-8")
    (tmp_path / "packages").mkdir(exist_ok=True)
    return path


def test_defaults_are_concurrency_8_and_polling_from_1s_to_10s(tmp_path: Path) -> None:
    settings = settings_for(load_config(str(config_with(tmp_path))), ApplyRequest())
    assert settings.concurrency == 8
    assert (settings.poll.first, settings.poll.cap) == (1.0, 10.0)
    delays = settings.poll.delays()
    seen = [delays() for _ in range(10)]
    assert seen[0] == 1.0 and seen == sorted(seen) and seen[-1] == 10.0
    assert (settings.assembly_timeout, settings.install_timeout) == (900.0, 1200.0)


def test_configured_limits_and_the_flag_reach_the_engine(tmp_path: Path) -> None:
    config = load_config(str(config_with(
        tmp_path, "concurrency: 3\ntimeouts: {request: 7, assembly: 42, install: 43}\n")))
    settings = settings_for(config, ApplyRequest())
    assert (settings.concurrency, settings.assembly_timeout, settings.install_timeout) == \
        (3, 42.0, 43.0)
    assert settings.grace >= 7.0  # in-flight requests may finish after a stop
    assert settings_for(config, ApplyRequest(concurrency=5)).concurrency == 5


def test_assembly_wait_is_cut_off_by_the_configured_timeout(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    # The served simulator takes 10 minutes to assemble; fake time makes the wait instant.
    repo = new_repo(tmp_path, sim_server(assembly_seconds=600),
                    extra="timeouts: {assembly: 5}\nsimulator: {assembly_seconds: 0}\n")
    repo.put("a.yaml", package_doc("Slow Kit", "Campaign Launch", status="TESTING"))
    code, out, err = repo.apply(output_format="json")
    assert code == 1, out + err
    [result] = json.loads(out)["results"]
    assert result["outcome"] == "failed"
    assert "after 5 s" in result["error"] and "timeouts.assembly" in (result.get("hint") or "")
    assert len(repo.live("Slow Kit")) == 1  # created once, left for the next run
