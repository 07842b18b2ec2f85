"""One name in two Unicode forms, end to end through the CLI against the simulator over HTTP.

A package created from a file that spells its name in NFD ("e" and a combining accent) is the
same package once the file is saved in NFC: the next plan is empty, not a create beside it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import Repo, new_repo, package_doc

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

StartSim = Callable[..., SimulatorHandle]
NFC = unicodedata.normalize("NFC", "Café Onboarding")
NFD = unicodedata.normalize("NFD", "Café Onboarding")


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_a_name_saved_in_the_other_form_is_the_same_package(
        profile: str, sim_server: StartSim, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo: Repo = new_repo(tmp_path, sim_server(profile=profile))
    repo.put("a.yaml", package_doc(NFD, "New Agency Onboarding", description="agency kit"))
    config = ["--config", str(repo.config_path)]
    assert run([*config, "apply", "--auto-approve"]) == 0
    [created] = [p for p in repo.sim.state.list_packages() if p.name in (NFC, NFD)]
    repo.put("a.yaml", package_doc(NFC, "New Agency Onboarding", description="agency kit"))
    capsys.readouterr()
    assert run([*config, "plan", "--detailed-exitcode"]) == 0
    assert "No changes." in capsys.readouterr().out
    assert [p.id for p in repo.sim.state.list_packages()] == [created.id]
