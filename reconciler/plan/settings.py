"""Everything the pure planner needs besides the two package lists, in one frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from reconciler.domain.profiles import DEFAULT_PROFILE, Capabilities

Prune = Literal["disable", "delete", "off"]


@dataclass(frozen=True)
class PlanSettings:
    """Tunables of one planning run, with the defaults of ``wfpromote.yaml``.

    ``environments`` maps an environment name (as written in ``source:``) to the URL sent to
    the API and compared with the remote ``source``.
    """

    owner: str
    capabilities: Capabilities
    profile: str = DEFAULT_PROFILE
    prune: Prune = "disable"
    environments: Mapping[str, str] = field(default_factory=dict)
    targets: tuple[str, ...] = ()        # fnmatch globs on package names; empty = all
    excludes: tuple[str, ...] = ()       # fnmatch globs on package names
    replaces: frozenset[str] = frozenset()  # names to replace even when unchanged
    adopt: bool = False                  # take over unmarked / foreign packages by name
    allow_empty: bool = False            # allow zero declared packages
    force: bool = False                  # allow a plan over the change threshold
    max_change_percent: float = 30.0
    min_managed: int = 10
    small_set_percent: float = 50.0      # below min_managed: removals over this need --force
    complete_scope: bool = True          # the run read the whole packages folder: may prune
    scope_reason: str | None = None      # why it is partial, shown in the plan
    desired_digest: str = ""             # filled by the pipeline; copied into the plan
    environment_kinds: Mapping[str, str] = field(default_factory=dict)  # name -> kind
    reinstall: frozenset[str] = frozenset()  # --reinstall ENV: install again even if done
    now: float | None = None             # seconds since the epoch (soak gates); None: unknown
