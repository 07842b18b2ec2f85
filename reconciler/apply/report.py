"""The account of an apply: every planned change is applied, failed or skipped, and why.

Rendered as a text table (the result of ``apply`` in text mode) and as JSON (``--format json``
and ``--report FILE``). Error messages pass through ``redact`` on the way in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.console import printable
from reconciler.plan.model import Action
from reconciler.redact import redact

REPORT_VERSION = "1.0"
EXIT_SIGNALS = {"SIGINT": 130, "SIGTERM": 143}


class Outcome(StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"
    BLOCKED = "blocked"    # an install whose gate is not met: shown, not executed


@dataclass(frozen=True)
class ActionResult:
    action: Action
    outcome: Outcome
    package_id: str | None = None
    error: str | None = None
    hint: str | None = None
    duration: float = 0.0
    details: tuple[str, ...] = ()    # install: per-record results

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action.kind.value, "name": self.action.name,
            "package_id": self.package_id, "outcome": self.outcome.value,
            "error": redact(self.error) if self.error else None,
            "duration": round(self.duration, 3),
        }
        if self.action.environment:
            out["environment"] = self.action.environment
        if self.hint:
            out["hint"] = redact(self.hint)
        if self.details:
            out["details"] = [redact(d) for d in self.details]
        return out


@dataclass
class ApplyReport:
    results: list[ActionResult] = field(default_factory=list)
    interrupted: str | None = None      # "SIGINT" / "SIGTERM" when the run was stopped
    duration: float = 0.0
    # The plan's warnings, repeated here: in the terminal they were printed above the
    # progress lines and have scrolled away by the time the run ends.
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for result in self.results:
            counts[result.outcome.value] += 1
        return counts

    @property
    def failed(self) -> list[ActionResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_SIGNALS.get(self.interrupted, 130)
        return 1 if self.failed else 0

    def data(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_VERSION,
            "summary": {**self.counts(), "interrupted": self.interrupted,
                        "duration": round(self.duration, 3), "exit_code": self.exit_code},
            "results": [r.data() for r in self.results],
            "warnings": [redact(w) for w in self.warnings],
        }

    def to_json(self) -> str:
        return json.dumps(self.data(), indent=2, sort_keys=False) + "\n"

    def render_text(self) -> str:
        return self._render_table() + self._render_warnings()

    def _render_warnings(self) -> str:
        if not self.warnings:
            return ""
        lines = [printable(f"  - {redact(w)}") for w in self.warnings]
        return "\n".join(["", "Warnings:", *lines]) + "\n"

    def _render_table(self) -> str:
        if not self.results:
            return "Apply: nothing to do.\n"
        rows = [("ACTION", "NAME", "OUTCOME", "PACKAGE ID", "TIME", "ERROR")]
        for r in self.results:
            name = r.action.name + (f" -> {r.action.environment}"
                                    if r.action.environment else "")
            rows.append((r.action.kind.value, printable(name), r.outcome.value,
                         printable(r.package_id or "-"), f"{r.duration:.1f}s",
                         printable(redact(r.error or ""))))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = ["  ".join(cell.ljust(widths[i]) if i < 5 else cell
                           for i, cell in enumerate(row)).rstrip() for row in rows]
        counts = self.counts()
        summary = (f"Apply: {counts['applied']} applied, {counts['failed']} failed, "
                   f"{counts['skipped']} skipped")
        if counts["blocked"]:
            summary += f", {counts['blocked']} blocked"
        summary += f" in {self.duration:.1f}s"
        if self.interrupted:
            summary += f" (interrupted by {self.interrupted})"
        hints = sorted({printable(redact(r.hint)) for r in self.failed if r.hint})
        tail = [f"  hint: {h}" for h in hints]
        records = [f"  {printable(r.action.name)} -> {printable(r.action.environment or '')}: "
                   f"{printable(redact(d))}" for r in self.results for d in r.details]
        extra = ["", "Installs:", *records] if records else []
        return "\n".join([*lines, *extra, "", summary, *tail]) + "\n"
