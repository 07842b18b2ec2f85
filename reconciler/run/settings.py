"""Each layer's part of ``wfpromote.yaml``, built once here from the whole ``Config``.

The planner gets ``PlanSettings`` (``run.planning.plan_settings``), the file side
``LoadSettings``, the embedded simulator ``EmbeddedSettings``; the clients are built from the
environments' sections in ``run.clients``. Below ``run/`` no layer holds the whole
configuration.
"""

from __future__ import annotations

import os

from reconciler.desired.settings import LoadSettings
from reconciler.domain.declared import Config
from reconciler.simulator.settings import EmbeddedSettings


def load_settings(config: Config) -> LoadSettings:
    return LoadSettings(root=config.root, packages=config.packages, path=config.path,
                        environments=tuple(config.environments), api=config.api)


def state_file(config: Config, state_path: str | None = None) -> str:
    """The embedded simulator's state file: ``simulator.state``, relative to the root."""
    path = state_path or config.simulator.state
    return path if os.path.isabs(path) else os.path.join(config.root, path)


def simulator_settings(config: Config) -> EmbeddedSettings:
    return EmbeddedSettings(
        state=state_file(config),
        environments={name: env.kind for name, env in config.environments.items()
                      if env.is_simulator},
        profile=config.api, assembly_seconds=config.simulator.assembly_seconds,
        install_seconds=config.simulator.install_seconds)
