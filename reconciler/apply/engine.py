"""Runs a plan: independent packages concurrently, dependent actions in order, every action
accounted for in the report.

Actions that touch the same package (same name or same remote id) form one chain, run in
plan order by one task; chains run concurrently under a semaphore. A failure skips the rest
of its chain and, with ``fail_fast``, every chain not yet started. A stop request (SIGINT or
SIGTERM) starts nothing new, lets requests in flight finish within a grace period, and marks
what never ran as skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.context import RecordLocks, StepContext
from reconciler.apply.idempotent import late_twin
from reconciler.apply.poll import Interrupted, PollPolicy
from reconciler.apply.progress import Progress, RecordingProgress
from reconciler.apply.report import ActionResult, ApplyReport, Outcome
from reconciler.apply.steps import run_action
from reconciler.clock import Clock, RealClock
from reconciler.errors import WfpromoteError
from reconciler.plan.changes import Install
from reconciler.plan.model import Action, ActionKind, Plan
from reconciler.redact import redact

log = logging.getLogger("reconciler.apply")


@dataclass(frozen=True)
class ApplySettings:
    """Tunables of one run; defaults match wfpromote.yaml's."""

    concurrency: int = 8
    fail_fast: bool = False
    assembly_timeout: float = 900.0
    install_timeout: float = 1200.0
    grace: float = 35.0            # seconds in-flight work may take after a stop request
    # Read the installation history again before an install the plan found missing: needed
    # for a saved plan (an install may have been made since), not for a plan made just now.
    recheck_installs: bool = True
    poll: PollPolicy = field(default_factory=PollPolicy)
    # After a create's answer was lost, the service may still commit it this long (seconds,
    # from the POST): the POST is sent again only after that (timeouts.request + 60 s).
    late_commit_window: float = 90.0


def chains(actions: Sequence[Action]) -> list[list[int]]:
    """Indexes of actions grouped into chains that must run in order (union by name/id)."""
    parent = list(range(len(actions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, action in enumerate(actions):
        for key in (f"name:{action.name}", f"id:{action.package_id}" if action.package_id
                    else None):
            if key is None:
                continue
            if key in owner:
                parent[find(index)] = find(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[int]] = {}
    for index in range(len(actions)):
        groups.setdefault(find(index), []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])


class ApplyEngine:
    def __init__(self, clients: Mapping[str, PromotionAPI], *, default_env: str,
                 clock: Clock | None = None, settings: ApplySettings | None = None,
                 progress: Progress | None = None) -> None:
        self.clients = clients
        self.default_env = default_env
        self.clock = clock or RealClock()
        self.settings = settings or ApplySettings()
        self.progress = progress or RecordingProgress()
        self._stop_reason: str | None = None
        self._failed_once = False
        self._stop_event: asyncio.Event | None = None
        # Per action index: a create posted twice (api, body, first attempt, id kept).
        self._reposted: dict[int, tuple[PromotionAPI, dict[str, Any], float, str]] = {}

    # -- stopping -----------------------------------------------------------------------

    def request_stop(self, reason: str = "SIGINT") -> None:
        """Start nothing new; in-flight work finishes (bounded by settings.grace)."""
        if self._stop_reason is None:
            self._stop_reason = reason
            # The signal handler already told the user; repeating it as a WARNING is noise.
            log.info("stop requested (%s): finishing requests in flight", reason)
        if self._stop_event is not None:
            self._stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop_reason is not None

    def _blocked(self) -> str | None:
        if self._stop_reason:
            return f"not started: interrupted by {self._stop_reason}"
        if self.settings.fail_fast and self._failed_once:
            return "not started: an earlier change failed (--fail-fast)"
        return None

    # -- running ------------------------------------------------------------------------

    async def run(self, plan: Plan) -> ApplyReport:
        actions = list(plan.changes)
        started = self.clock.monotonic()
        results: dict[int, ActionResult] = {}
        running: set[int] = set()
        known_ids = set(plan.remote_fingerprints) | {a.package_id for a in actions
                                                     if a.package_id}
        semaphore = asyncio.Semaphore(max(1, self.settings.concurrency))
        locks = RecordLocks()
        self._stop_event = asyncio.Event()
        if self._stop_reason:
            self._stop_event.set()

        async def run_chain(indexes: list[int]) -> None:
            group_ids: dict[str, str] = {}
            reassembled: set[str] = set()   # rollbacks the service refused (steps.py)
            failed_envs: set[str] = set()   # installs of this package that did not complete
            async with semaphore:
                for position, index in enumerate(indexes):
                    action = actions[index]
                    if action.blocked is not None:
                        results[index] = self._block(action)
                        continue
                    if isinstance(action.change, Install) and failed_envs:
                        gates = set(action.change.after)
                        if gates & failed_envs:
                            reason = (f"skipped: the install into {sorted(gates & failed_envs)[0]} "
                                      "it waits for did not complete")
                            results[index] = self._skip(action, reason)
                            failed_envs.add(action.environment or "")
                            continue
                    blocked = self._blocked()
                    if blocked:
                        for rest in indexes[position:]:
                            results[rest] = self._skip(actions[rest], blocked)
                        return
                    running.add(index)
                    result = await self._run_one(action, known_ids, group_ids, locks,
                                                 index, reassembled)
                    running.discard(index)
                    results[index] = result
                    if result.outcome is Outcome.APPLIED:
                        continue
                    if action.kind is ActionKind.INSTALL:
                        # Installs into other environments do not depend on this one, unless
                        # they wait for it with `after:` (checked above).
                        failed_envs.add(action.environment or "")
                        continue
                    reason = f"skipped: depends on the {action.kind.value} of " \
                             f"{action.name!r}, which did not complete"
                    for rest in indexes[position + 1:]:
                        results[rest] = self._skip(actions[rest], reason)
                    return

        tasks = [asyncio.create_task(run_chain(g)) for g in chains(actions)]
        await self._wait(tasks)
        await self._late_twins(results, known_ids)
        for index in range(len(actions)):
            if index not in results:
                if index in running:
                    results[index] = ActionResult(
                        actions[index], Outcome.FAILED, error="cancelled: still running "
                        f"{self.settings.grace:g} s after the stop request",
                        hint="run apply again to converge")
                else:
                    results[index] = self._skip(actions[index],
                                                self._blocked() or "not started")
        self.progress.close()
        return ApplyReport([results[i] for i in range(len(actions))],
                           interrupted=self._stop_reason,
                           duration=self.clock.monotonic() - started)

    async def _wait(self, tasks: list[asyncio.Task[None]]) -> None:
        if not tasks:
            return
        assert self._stop_event is not None
        stop_waiter: asyncio.Task[object] = asyncio.create_task(self._stop_event.wait())
        try:
            pending: set[asyncio.Task[None]] = set(tasks)
            while pending:
                done, _ = await asyncio.wait({*pending, stop_waiter},
                                             return_when=asyncio.FIRST_COMPLETED)
                pending = {t for t in pending if t not in done}
                if stop_waiter in done:
                    break
            if pending:
                _, late = await asyncio.wait(pending, timeout=self.settings.grace)
                for task in late:
                    task.cancel()
                if late:
                    await asyncio.gather(*late, return_exceptions=True)
            # Look at every task's exception (an unread one is logged at exit), raise the first.
            errors = [task.exception() for task in tasks
                      if task.done() and not task.cancelled()]
            for error in errors:
                if error is not None:
                    raise error
        finally:
            stop_waiter.cancel()

    async def _late_twins(self, results: dict[int, ActionResult], known_ids: set[str]) -> None:
        """A create posted twice (its first answer lost) whose first POST was committed after
        all, later than the action looked: the duplicate is deleted and the action fails, so
        a run never exits 0 when it made a duplicate (docs/apply.md, "Idempotency")."""
        if self.stopping:
            return
        for index, (api, body, started, kept) in sorted(self._reposted.items()):
            try:
                problem = await late_twin(api, body, kept, started=started,
                                          known_ids=known_ids)
            except WfpromoteError as exc:
                problem = f"could not look for a late duplicate of {kept} ({exc.message})"
            if problem is not None and index in results:
                results[index] = replace(
                    results[index], outcome=Outcome.FAILED, error=redact(problem),
                    hint="apply again: the next plan keeps one package and retires the other")
                self._failed_once = True

    async def _run_one(self, action: Action, known_ids: set[str],
                       group_ids: dict[str, str], locks: RecordLocks,
                       index: int = 0, reassembled: set[str] | None = None
                       ) -> ActionResult:
        begin = self.clock.monotonic()
        ctx = StepContext(
            clients=self.clients, default_env=self.default_env, clock=self.clock,
            policy=self.settings.poll, assembly_timeout=self.settings.assembly_timeout,
            install_timeout=self.settings.install_timeout, known_ids=known_ids,
            group_ids=group_ids, stopping=lambda: self.stopping,
            reassembled=set() if reassembled is None else reassembled,
            say=lambda state: self.progress.update(action, state),
            package_id=action.package_id, record_locks=locks,
            recheck_installs=self.settings.recheck_installs,
            late_commit_window=self.settings.late_commit_window)
        self.progress.update(action, "started")
        try:
            try:
                await run_action(action, ctx)
            finally:
                for reposted in ctx.reposted:
                    self._reposted[index] = reposted
        except Interrupted as exc:
            self._failed_once = True
            outcome = Outcome.FAILED if ctx.wrote else Outcome.SKIPPED
            return self._finish(action, ctx, outcome, exc, begin)
        except WfpromoteError as exc:
            self._failed_once = True
            return self._finish(action, ctx, Outcome.FAILED, exc, begin)
        return self._finish(action, ctx, Outcome.APPLIED, None, begin)

    def _finish(self, action: Action, ctx: StepContext, outcome: Outcome,
                exc: WfpromoteError | None, begin: float) -> ActionResult:
        message = None
        if exc is not None:
            where = f"{exc.location.prefix()}: " if exc.location else ""
            message = redact(where + exc.message)
        state = "done" if outcome is Outcome.APPLIED else f"{outcome.value}: {message}"
        self.progress.update(action, state)
        return ActionResult(action, outcome, package_id=ctx.package_id, error=message,
                            hint=exc.hint if exc else None,
                            duration=self.clock.monotonic() - begin,
                            details=tuple(redact(d) for d in ctx.details))

    def _block(self, action: Action) -> ActionResult:
        reason = f"blocked: {action.blocked}"
        self.progress.update(action, reason)
        return ActionResult(action, Outcome.BLOCKED, package_id=action.package_id,
                            error=reason)

    def _skip(self, action: Action, reason: str) -> ActionResult:
        self.progress.update(action, reason if reason.startswith("skipped")
                             else f"skipped ({reason})")
        return ActionResult(action, Outcome.SKIPPED, package_id=action.package_id,
                            error=reason)
