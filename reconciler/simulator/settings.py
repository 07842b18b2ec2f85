"""What the embedded simulator needs from ``wfpromote.yaml`` (built once by
``run.settings.simulator_settings``), and nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class EmbeddedSettings:
    """What the embedded simulator needs from ``wfpromote.yaml`` (built by
    ``run.settings.simulator_settings``)."""

    state: str                                  # the state file
    environments: Mapping[str, str]             # name -> kind of the simulated environments
    profile: str                                # the API profile it answers in
    assembly_seconds: float = 1.0
    install_seconds: float = 1.0
