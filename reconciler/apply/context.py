"""What the steps of one action share: the clients, the clock, the polling policy, the ids
made so far, and the locks installs take on the records they share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.poll import Interrupted, PollPolicy, StepFailed
from reconciler.clock import Clock
from reconciler.domain.remote import TranslationMap
from reconciler.plan.model import Action


class RecordLocks:
    """Installs into one environment that share records run one after the other.

    The reference says to pre-run again when the target changed after a pre-run: two
    packages holding the same record, installed at once into one environment, would both
    plan to CREATE it. Each install locks (environment, objCode, source ID) of every record
    of its pre-run, in one sorted order (no deadlock); an install that had to wait pre-runs
    again. Installs of disjoint packages run concurrently.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def locks_for(self, env: str, tmap: TranslationMap) -> list[asyncio.Lock]:
        keys = sorted((env, code, sid) for code, records in tmap.items() for sid in records)
        return [self._locks.setdefault(key, asyncio.Lock()) for key in keys]


@dataclass
class StepContext:
    """What the steps of one action need; one per action."""

    clients: Mapping[str, PromotionAPI]
    default_env: str
    clock: Clock
    policy: PollPolicy
    assembly_timeout: float
    install_timeout: float
    known_ids: set[str]                       # ids that existed before the run or were made
    group_ids: dict[str, str]                 # package name -> id made earlier in this group
    # names whose rollback the service refused (the content was assembled again): their
    # installs follow the declared ``existing``
    reassembled: set[str] = field(default_factory=set)
    stopping: Callable[[], bool] = lambda: False
    say: Callable[[str], None] = lambda text: None
    wrote: bool = False                       # a write request was sent for this action
    package_id: str | None = None             # the id the action ended up touching
    record_locks: RecordLocks = field(default_factory=lambda: RecordLocks())
    recheck_installs: bool = True             # look at the history before installing
    details: list[str] = field(default_factory=list)   # per-record results, for the report
    late_commit_window: float = 60.0          # a lost POST may still commit this long after
    # Creates posted twice (the first answer lost): (api, body, first attempt, id kept);
    # the engine looks for a late twin of each at the end of the run.
    reposted: list[tuple[PromotionAPI, dict[str, Any], float, str]] = field(
        default_factory=list)

    def api_for(self, action: Action) -> PromotionAPI:
        env = action.environment or action.source_env or self.default_env
        try:
            return self.clients[env]
        except KeyError:
            raise StepFailed(f"no client for environment {env!r}",
                             hint="the environment must be declared in wfpromote.yaml") from None

    def checkpoint(self) -> None:
        """Called before each write: once a stop is requested, nothing new is written."""
        if self.stopping():
            raise Interrupted("interrupted before this step was started",
                              hint="run apply again to finish the remaining changes")

    def require_id(self, action: Action) -> str:
        """The id the action touches: planned, or made earlier in its group."""
        package_id = action.package_id or self.group_ids.get(action.name)
        if not package_id:
            raise StepFailed(f"{action.kind.value} of {action.name!r} has no package id",
                             hint="plan again")
        self.package_id = package_id
        return package_id
