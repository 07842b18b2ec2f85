"""A failed assembly says which object is missing, not just that it failed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import new_repo, package_doc

from reconciler.simulator.server import SimulatorHandle


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_assembly_failure_names_the_missing_object(
        profile: str, sim_server: Callable[..., SimulatorHandle], tmp_path: Path) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    missing = "0123456789abcdef0123456789abcdef"
    repo.put("risk.yaml", package_doc("Risk Register", missing))
    code, out, _ = repo.apply()
    assert code == 1
    assert f"TMPL {missing} does not exist in sandbox" in out
