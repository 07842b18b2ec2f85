"""One ``wfpromote apply`` from start to end: lock, plan (or check a saved plan), confirm,
run, report. The command module only turns options into an :class:`ApplyRequest`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TextIO
from urllib.parse import urlsplit

from reconciler.api.protocol import PromotionAPI
from reconciler.apply.engine import ApplyEngine, ApplySettings
from reconciler.apply.idempotent import LATE_COMMIT_MARGIN
from reconciler.apply.interrupt import stop_on_signals
from reconciler.apply.lock import ApplyLock
from reconciler.apply.poll import PollPolicy
from reconciler.apply.progress import Progress, choose_progress
from reconciler.apply.report import ApplyReport
from reconciler.atomic_write import write_atomic
from reconciler.clock import Clock, RealClock
from reconciler.console import confirmed, is_terminal
from reconciler.desired.config import is_loopback
from reconciler.domain.declared import Config, PackageSpec
from reconciler.errors import StalePlan, UnsafePlan, WfpromoteError
from reconciler.output.saved import read_saved_plan
from reconciler.plan.model import Plan
from reconciler.redact import redact
from reconciler.run.planning import PlanOptions, build_plan
from reconciler.run.stale import check_bound, check_fresh, check_target

PROMPT = "Do you want to apply these changes? Only 'yes' will be accepted"


@dataclass(frozen=True)
class ApplyRequest(PlanOptions):
    """The plan's options (selection and safety flags) plus apply's own."""

    paths: tuple[str, ...] = ()
    auto_approve: bool = False
    concurrency: int | None = None
    fail_fast: bool = False
    report_path: str | None = None
    output_format: str = "text"          # "text" | "json"
    lock_timeout: float | None = None
    allow_simulator: bool = False
    color: bool = False
    replan_if_stale: bool = False        # a stale saved plan is replaced by a new plan


class NoConfirmation(WfpromoteError):
    """Apply needs a 'yes' and nobody can give one."""


def settings_for(config: Config, request: ApplyRequest, *,
                 saved: bool = True) -> ApplySettings:
    # A simulator (embedded, or served on this machine) assembles in a known time: look then.
    expected = config.simulator.assembly_seconds if all(
        e.is_simulator or is_loopback(urlsplit(e.url).hostname)
        for e in config.environments.values()) else 1.0
    return ApplySettings(
        concurrency=request.concurrency or config.concurrency,
        fail_fast=request.fail_fast,
        assembly_timeout=config.timeouts.assembly,
        install_timeout=config.timeouts.install,
        grace=config.timeouts.request + 5.0,
        late_commit_window=config.timeouts.request + LATE_COMMIT_MARGIN,
        poll=PollPolicy(first=max(0.2, min(expected, 10.0))),
        recheck_installs=saved)


def run_apply(config: Config, request: ApplyRequest, *, stdin: TextIO | None = None,
              stdout: TextIO | None = None, stderr: TextIO | None = None,
              clock: Clock | None = None) -> int:
    """The whole command; returns the exit code.

    When the run fails or is interrupted before its report is out, ``--format json`` still
    prints one JSON object (with ``error``) and ``--report`` is still written; then the error
    goes on to the command line's error boundary as usual.
    """
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    outcome = _Outcome()
    try:
        return _run_apply(config, request, stdin, stdout, stderr, clock, outcome)
    except (Exception, KeyboardInterrupt) as exc:
        if not outcome.emitted:
            emit_failure(exc, request, stdout, outcome.report)
        raise


@dataclass
class _Outcome:
    report: ApplyReport | None = None   # the engine's report, once it has one
    emitted: bool = False               # the result went out on stdout (and to --report)


def failure_data(exc: BaseException, report: ApplyReport | None = None) -> dict[str, object]:
    """The JSON report of a run that failed (or was interrupted) outside the engine."""
    from reconciler.signals import Terminated

    data: dict[str, object] = (report or ApplyReport()).data()
    error: dict[str, object]
    summary = data["summary"]
    assert isinstance(summary, dict)
    if isinstance(exc, Terminated):
        from reconciler.signals import summary as stop_line

        summary["interrupted"] = exc.signame
        summary["exit_code"] = exc.exit_code
        error = {"message": stop_line(exc.signame)}
    elif isinstance(exc, WfpromoteError):
        summary["exit_code"] = exc.exit_code
        error = {"message": exc.message, "hint": exc.hint,
                 "location": str(exc.location) if exc.location else None}
        problems = getattr(exc, "problems", None)
        if problems:
            error["problems"] = [p.render() for p in problems]
    elif isinstance(exc, KeyboardInterrupt):
        summary["interrupted"], summary["exit_code"] = "SIGINT", 130
        error = {"message": "interrupted"}
    else:
        summary["exit_code"] = 1
        error = {"message": f"internal error ({type(exc).__name__})"}
    data["error"] = {k: v for k, v in error.items() if v is not None}
    return data


def emit_failure(exc: BaseException, request: ApplyRequest, stdout: TextIO,
                 report: ApplyReport | None = None) -> None:
    """Best effort: the failure as JSON on stdout (with --format json) and in --report."""
    text = redact(json.dumps(failure_data(exc, report), indent=2) + "\n")
    if request.output_format == "json":
        try:
            stdout.write(text)
            stdout.flush()
        except (OSError, ValueError):
            pass
    if request.report_path:
        try:
            write_atomic(request.report_path, text)
        except OSError:
            pass  # the error itself is what the user needs to see


def _run_apply(config: Config, request: ApplyRequest, stdin: TextIO, stdout: TextIO,
               stderr: TextIO, clock: Clock | None, outcome: _Outcome) -> int:
    from reconciler.signals import set_phase

    set_phase("before anything was sent", "nothing was changed")
    saved = read_saved_plan(request.paths)
    if saved is not None and request.reinstall:
        raise WfpromoteError("--reinstall cannot change a saved plan: it applies as reviewed",
                             hint="plan again with --reinstall ENV (wfpromote plan --reinstall "
                                  "ENV --out plan.json), or apply the package files")
    if saved is None and not request.auto_approve and not is_terminal(stdin):
        raise NoConfirmation(
            "apply needs a confirmation and there is no terminal to ask on",
            hint="review the plan, then run `wfpromote apply --auto-approve` (CI), or apply "
                 "a saved plan: `wfpromote plan --out plan.json` then `wfpromote apply "
                 "plan.json`")
    if request.concurrency:
        config = config.model_copy(update={"concurrency": request.concurrency})
    # Bad files fail here, before the lock, any connection or any simulator state.
    specs = None if saved is not None else _load(config, request)
    timeout = config.timeouts.lock if request.lock_timeout is None else request.lock_timeout
    clock = clock or RealClock()
    with ApplyLock(config.root, timeout=timeout, clock=clock):
        return asyncio.run(_session(config, request, saved, stdin, stdout, stderr, clock,
                                    specs, outcome))


def _load(config: Config, request: ApplyRequest) -> list[PackageSpec]:
    from reconciler.desired.loader import load_packages
    from reconciler.run.settings import load_settings

    return load_packages(load_settings(config), list(request.paths))


async def _session(config: Config, request: ApplyRequest, saved: Plan | None, stdin: TextIO,
                   stdout: TextIO, stderr: TextIO, clock: Clock,
                   specs: Sequence[PackageSpec] | None = None,
                   outcome: _Outcome | None = None) -> int:
    from reconciler.output.renderers import RenderOptions, render
    from reconciler.run.clients import open_clients
    from reconciler.signals import set_phase

    outcome = outcome or _Outcome()
    plan_stream = stderr if request.output_format == "json" else stdout
    async with open_clients(config, allow_simulator=request.allow_simulator,
                            clock=clock) as clients:
        set_phase("while planning", "nothing was changed")
        from_saved = False
        if saved is not None:
            plan, from_saved = await _fresh_or_replan(saved, config, clients, request, clock,
                                                      stderr)
        else:
            plan = await _new_plan(config, clients, request, clock, specs)
        plan_stream.write(redact(render(plan, "text", RenderOptions(color=request.color))))
        plan_stream.flush()
        check_verdict(plan, request)
        if plan.runnable:  # every credential the run needs, before anything is written
            from reconciler.run.credentials import check_accepted, check_present

            check_present(plan, config)
            await check_accepted(plan, config, clients)
        if plan.runnable and saved is None and not request.auto_approve:
            set_phase("at the confirmation prompt", "nothing was changed")
            _confirm(stdin, stderr)
        progress = choose_progress(stderr) if plan.runnable else None
        report = await _execute(plan, config, clients, request, clock, progress,
                                saved=from_saved)
        report.warnings = list(plan.warnings)
        outcome.report = report
        set_phase("after the apply", f"{_done(report)}; the report was not printed")
    _emit(report, request, stdout, outcome)
    return report.exit_code


def _done(report: ApplyReport) -> str:
    counts = report.counts()
    text = f"{counts['applied']} change(s) made"
    if counts["failed"] or counts["skipped"]:
        text += f", {counts['failed']} failed, {counts['skipped']} not made"
    return text


async def _fresh_or_replan(saved: Plan, config: Config, clients: Mapping[str, PromotionAPI],
                           request: ApplyRequest, clock: Clock,
                           stderr: TextIO) -> tuple[Plan, bool]:
    """The saved plan when it is still fresh, as made again from the declared files (an
    edited one is refused: ``check_bound``); with ``replan_if_stale``, a new plan of the
    same files when it is stale. Either way the run says which one it applies. The flag:
    whether the plan is the saved one."""
    source = request.paths[0]
    replan = replace(request, paths=saved.paths)
    specs = None  # the files are read once, for the check and for a new plan
    try:
        check_target(saved, config)
        specs = _load(config, replan)
        listing = await check_fresh(saved, config, clients, specs)
    except StalePlan as exc:
        if not request.replan_if_stale:
            raise
        stderr.write(redact(f"The reviewed plan {source} is stale ({exc.message}); applying a "
                            "new plan of the same files instead.\n"))
        stderr.flush()
        return await _new_plan(config, clients, replan, clock, specs), False
    bound = await check_bound(saved, config, clients, specs, clock, listing)
    if request.replan_if_stale:
        stderr.write(redact(f"The reviewed plan {source} is still fresh; applying it.\n"))
        stderr.flush()
    return bound, True


def check_verdict(plan: Plan, request: ApplyRequest) -> None:
    """Refuse a plan whose safety verdict is not lifted by the flag it names. A saved plan
    made with the flag was reviewed with it and carries "allowed"."""
    verdict = plan.verdict
    if verdict is None or verdict.allowed:
        return
    given = request.force if verdict.flag == "--force" else request.allow_empty
    if given:
        return
    raise UnsafePlan(f"apply refused by the safety check: {verdict.message}; nothing was "
                     "changed", hint=f"review the plan above; pass {verdict.flag} to apply it "
                                     "anyway")


async def _new_plan(config: Config, clients: Mapping[str, PromotionAPI],
                    request: ApplyRequest, clock: Clock,
                    specs: Sequence[PackageSpec] | None = None) -> Plan:
    """The plan to apply, made by the planner's pipeline with the command's selection."""
    if specs is None:
        specs = _load(config, request)
    return await build_plan(config, specs, clients, request, clock)


async def _execute(plan: Plan, config: Config, clients: Mapping[str, PromotionAPI],
                   request: ApplyRequest, clock: Clock,
                   progress: Progress | None, *, saved: bool = True) -> ApplyReport:
    engine = ApplyEngine(clients, default_env=config.listing_environment(), clock=clock,
                         settings=settings_for(config, request, saved=saved),
                         progress=progress)
    with stop_on_signals(engine):
        return await engine.run(plan)


def _confirm(stdin: TextIO, stderr: TextIO) -> None:
    if not confirmed(PROMPT, stdin, stderr):
        raise WfpromoteError("apply cancelled: nothing was changed",
                             hint="answer exactly 'yes' to apply, or use --auto-approve")


def _emit(report: ApplyReport, request: ApplyRequest, stdout: TextIO,
          outcome: _Outcome | None = None) -> None:
    text = report.to_json() if request.output_format == "json" else \
        "\n" + report.render_text()
    if outcome is not None:
        outcome.emitted = True
    stdout.write(redact(text))
    stdout.flush()
    if request.report_path:
        try:
            write_atomic(request.report_path, redact(report.to_json()))
        except OSError as exc:  # checked up front; this is the disk filling up meanwhile
            raise WfpromoteError(f"cannot write the report to {request.report_path}: "
                                 f"{exc.strerror or exc}",
                                 hint="the report above is complete; the changes were made"
                                 ) from None
    from reconciler.signals import set_phase

    written = f" and written to {request.report_path}" if request.report_path else ""
    set_phase("after the apply", f"{_done(report)}; the report was printed{written}")
