"""Waiting for a package to finish assembling and for an installation to finish.

The service only offers polling. The first look happens at the expected assembly time (asking
earlier only costs requests), then the delay grows by a factor up to a cap, and every wait has
a deadline. Time comes from the injected Clock, so tests never sleep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.domain.statuses import installation_phase
from reconciler.errors import WfpromoteError

ASSEMBLING = frozenset({"ASSEMBLING", "UNASSEMBLED"})
ASSEMBLY_FAILED = "ASSEMBLING_FAILED"


@dataclass(frozen=True)
class PollPolicy:
    """Delays between looks at something that changes on its own (seconds)."""

    first: float = 1.0     # the first look: about when the thing is expected to be done
    factor: float = 1.5    # each later delay is this much longer ...
    cap: float = 10.0      # ... up to this

    def delays(self) -> Callable[[], float]:
        """A fresh sequence of delays: first, first*factor, ... capped."""
        state = {"next": self.first}

        def step() -> float:
            value = state["next"]
            state["next"] = min(self.cap, max(value, 0.1) * self.factor)
            return value

        return step


class StepFailed(WfpromoteError):
    """One step of one action failed; the action is reported as failed with this message."""


class WaitTimedOut(StepFailed):
    pass


class AssemblyFailed(StepFailed):
    """The package ended ASSEMBLING_FAILED; ``reason`` is what the service said, if anything."""

    def __init__(self, message: str, *, package_id: str, reason: str, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.package_id = package_id
        self.reason = reason


ASSEMBLY_HINT = ("fix the objects named in the package (they must exist in the source "
                 "environment), then apply again")


def assembly_failed(package: RemotePackage) -> AssemblyFailed:
    reason = _failure_reason(package)
    return AssemblyFailed(f"assembly failed for package {package.id}{reason}",
                          package_id=package.id, reason=reason[2:], hint=ASSEMBLY_HINT)


class InstallFailed(StepFailed):
    """An installation ended in a failed status; carries it for the per-record report."""

    def __init__(self, message: str, *, hint: str | None = None,
                 installation: Installation | None = None) -> None:
        super().__init__(message, hint=hint)
        self.installation = installation


class Interrupted(WfpromoteError):
    """The run was asked to stop (Ctrl-C / SIGTERM) while this action was under way."""


async def _sleep_until(clock: Clock, delay: float, deadline: float,
                       stopping: Callable[[], bool]) -> None:
    """Sleep ``delay`` but no later than the deadline; wake in short slices to notice stops."""
    end = min(clock.monotonic() + delay, deadline)
    while not stopping():
        left = end - clock.monotonic()
        if left <= 0:
            return
        await clock.sleep(min(left, 1.0))


async def wait_for_assembly(
        api: PromotionAPI, package_id: str, *, clock: Clock, timeout: float,
        policy: PollPolicy, stopping: Callable[[], bool] = lambda: False,
        on_status: Callable[[str], Awaitable[None] | None] | None = None) -> RemotePackage:
    """Poll GET /packages/{id} until it leaves ASSEMBLING.

    Returns the package (DRAFT or any other settled status). Raises StepFailed when assembly
    failed or the deadline passed, and Interrupted (via ``stopping``) when asked to stop.
    """
    deadline = clock.monotonic() + timeout
    next_delay = policy.delays()
    last: str | None = None
    while True:
        await _sleep_until(clock, next_delay(), deadline, stopping)
        _raise_if_stopping(stopping, f"while package {package_id} was assembling")
        package = await api.get_package(package_id)
        status = (package.status or "").upper()
        if status != last and on_status is not None:
            maybe = on_status(status)
            if maybe is not None:
                await maybe
        last = status
        if status == ASSEMBLY_FAILED:
            raise assembly_failed(package)
        if status not in ASSEMBLING:
            return package
        if clock.monotonic() >= deadline:
            raise WaitTimedOut(f"timed out waiting for assembly after {timeout:g} s "
                               f"(package {package_id} is still {status})",
                               hint="raise timeouts.assembly in wfpromote.yaml, or apply again "
                                    "later: the next run waits for this package")


async def wait_for_installation(
        api: PromotionAPI, installation_id: str, *, clock: Clock, timeout: float,
        policy: PollPolicy, stopping: Callable[[], bool] = lambda: False) -> Installation:
    """Poll GET /installations/{id} until it succeeds; StepFailed when it fails or stalls."""
    deadline = clock.monotonic() + timeout
    next_delay = policy.delays()
    while True:
        await _sleep_until(clock, next_delay(), deadline, stopping)
        _raise_if_stopping(stopping, f"while installation {installation_id} was running")
        installation = await api.get_installation(installation_id)
        phase = installation_phase(installation.status)
        if phase == "succeeded":
            return installation
        if phase == "failed":
            raise InstallFailed(f"installation {installation_id} failed "
                                f"(status {installation.status}){_failed_records(installation)}",
                                hint="fix the failed records in the source (or ignore them "
                                     "in overrides), then apply again: a failed install is "
                                     "retried", installation=installation)
        if clock.monotonic() >= deadline:
            raise WaitTimedOut(f"timed out waiting for installation after {timeout:g} s "
                               f"(installation {installation_id} still reads status "
                               f"{installation.status!r})",
                               hint="raise timeouts.install in wfpromote.yaml; the next apply "
                                    "looks at the installation history before installing "
                                    "again")


def _raise_if_stopping(stopping: Callable[[], bool], where: str) -> None:
    if stopping():
        raise Interrupted(f"interrupted {where}",
                          hint="run apply again: it picks up the package where it is")


def _failure_reason(package: RemotePackage) -> str:
    extra = package.model_extra or {}
    for key in ("failureReason", "reason", "error", "message", "statusMessage"):
        value = extra.get(key)
        if value:
            return f": {value}"
    return ""


def failed_records(installation: Installation) -> list[str]:
    """Every FAILED record, with every key beyond the documented ones: the field holding
    the reason is not documented."""
    documented = {"name", "action", "isValid", "targetId", "installationStatus"}
    out = []
    for code, entries in installation.translationMap.items():
        for source_id, entry in entries.items():
            if (entry.installationStatus or "").upper() != "FAILED":
                continue
            extra = {k: v for k, v in entry.model_dump().items() if k not in documented}
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(extra.items()))
            out.append(f"{code} {entry.name or source_id} ({source_id}, {entry.action}"
                       + (f"; {detail}" if detail else "") + ")")
    return out


def _failed_records(installation: Installation) -> str:
    failed = failed_records(installation)
    return f"; failed records: {'; '.join(failed)}" if failed else ""
