"""What reading the package files needs from ``wfpromote.yaml``, and nothing more.

Built once from the configuration by ``run.settings.load_settings`` (as the planner gets
``PlanSettings``), so the file side never holds the credentials, timeouts or the simulator's
knobs.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.domain.profiles import DEFAULT_PROFILE


@dataclass(frozen=True)
class LoadSettings:
    root: str                           # the repository root: the configuration's folder
    packages: str                       # the packages folder, relative to ``root``
    path: str                           # the configuration file, as messages name it
    environments: tuple[str, ...] = ()  # the configured environment names, in order
    api: str = DEFAULT_PROFILE          # the API profile: which install actions exist
