"""Errors a user can cause, and the one place that turns them into messages and exit codes.

Anything raised as a :class:`WfpromoteError` is printed as one clear message (with the file,
line and key path when known, and a hint) and ends the process with exit code 1. Anything
else is a bug and may traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, optionally a 1-based line and column, and a JSON path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None  # JSONPath-like, e.g. "$.objectCollections[0].entities[2].ID"

    def prefix(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """One finding of a check: a message, where it is, and an optional hint."""

    message: str
    location: Location = field(default_factory=Location)
    hint: str | None = None

    def render(self) -> str:
        text = f"{self.location.prefix()}: {self.message}"
        if self.location.path:
            text += f" (at {self.location.path})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, **self.location.as_dict()}
        if self.hint:
            out["hint"] = self.hint
        return out


class WfpromoteError(Exception):
    """An error the user can cause and fix. Carries a hint and an exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None,
                 location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def render(self) -> str:
        return Problem(self.message, self.location or Location(), self.hint).render() \
            if self.location else self._plain()

    def _plain(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ValidationFailed(WfpromoteError):
    """One or more problems in the user's files; all of them are carried."""

    def __init__(self, problems: list[Problem], *, where: str = "") -> None:
        super().__init__(f"{len(problems)} problem(s) " + (f"in {where}" if where else "found"))
        self.problems = problems

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class ConfigError(WfpromoteError):
    """The configuration file is missing or wrong."""


class ApiError(WfpromoteError):
    """The Workfront API (or the simulator) refused a request or misbehaved.

    ``url`` never carries credentials; ``excerpt`` is a short, redacted piece of the body.
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None,
                 status: int | None = None, excerpt: str | None = None,
                 hint: str | None = None) -> None:
        detail = message
        if method and url:
            detail = f"{method} {url}: {message}"
        if status is not None:
            detail += f" (HTTP {status})"
        if excerpt:
            detail += f": {excerpt}"
        super().__init__(detail, hint=hint)
        self.method = method
        self.url = url
        self.status = status
        self.excerpt = excerpt


class AuthError(ApiError):
    """Credentials were missing or refused."""


class UnsafePlan(WfpromoteError):
    """A plan tripped a safety check (threshold, empty desired set, conflict)."""


class StalePlan(WfpromoteError):
    """A saved plan no longer matches the remote or the declared files."""


class EditedPlan(WfpromoteError):
    """A saved plan differs from the plan its declared files make (it was edited). Not a
    StalePlan: ``--replan-if-stale`` never replaces it by a new plan."""


class LockHeld(WfpromoteError):
    """Another apply holds the lock."""
