"""The promotion matrix as values: a cell per declared package and configured environment,
and the status document they make (``status --format json``, a saved plan's ``picture``).
Built by ``plan.matrix``; kept apart from it so that a ``Plan`` can carry a picture without
the plan model depending on the planner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATUS_VERSION = "1.0"
SHORT = 12


def short(digest: str) -> str:
    return digest[:SHORT]


@dataclass(frozen=True)
class Cell:
    state: str                       # installed | failed | running | pending | blocked | none
                                     # | soaking (blocked only by a soak gate: time left)
    declared: bool
    version: int | None = None
    at: str | None = None
    outcome: str | None = None
    installation_id: str | None = None
    reason: str | None = None
    content: str | None = None       # the content digest the installation holds

    def data(self) -> dict[str, Any]:
        return {"state": self.state, "declared": self.declared, "version": self.version,
                "content": self.content, "at": self.at, "outcome": self.outcome,
                "installation_id": self.installation_id, "reason": self.reason}

    def text(self) -> str:
        if self.state in ("installed", "failed", "running"):
            # The content, not the API's version (which a 2023 PUT keeps and which reads 1
            # for every package under current).
            version = f" content {short(self.content)}" if self.content else ""
            when = f" {self.at}" if self.at else ""
            word = self.state if self.state != "failed" else f"failed ({self.outcome})"
            pending = " -> pending" if self.reason == "pending" else ""
            return f"{word}{version}{when}{pending}"
        if self.state == "blocked":
            return f"blocked: {self.reason}"
        if self.state == "soaking":
            return self.reason or "soaking"
        return "pending" if self.state == "pending" else "-"


EMPTY = Cell("none", False)   # neither declared nor installed


@dataclass(frozen=True)
class Row:
    name: str
    package_id: str | None
    status: str | None
    version: int | None
    cells: Mapping[str, Cell]
    file: str | None = None          # the package file, relative to the repository root
    line: int | None = None


@dataclass(frozen=True)
class Matrix:
    owner: str
    profile: str
    environments: tuple[str, ...]
    rows: tuple[Row, ...]
    kinds: Mapping[str, str] = field(default_factory=dict)   # environment -> kind

    def data(self, *, compact: bool = False) -> dict[str, Any]:
        """The status document; ``compact`` (a saved plan's picture) leaves out the cells
        that are neither declared nor installed, which :meth:`from_data` fills in again."""
        return {"format_version": STATUS_VERSION, "owner": self.owner, "profile": self.profile,
                "environments": list(self.environments),
                "kinds": {e: self.kinds[e] for e in self.environments if e in self.kinds},
                "packages": [{"name": r.name, "package_id": r.package_id, "status": r.status,
                              "version": r.version, "file": r.file, "line": r.line,
                              "cells": {e: c.data() for e, c in r.cells.items()
                                        if not compact or c != EMPTY}}
                             for r in self.rows]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Matrix:
        """The matrix again from :meth:`data` (a saved plan's ``picture``)."""
        return cls(str(data["owner"]), str(data["profile"]),
                   tuple(str(e) for e in data["environments"]),
                   tuple(Row(str(p["name"]), p.get("package_id"), p.get("status"),
                             p.get("version"),
                             {str(e): Cell(**p["cells"][e]) if e in p["cells"] else EMPTY
                              for e in data["environments"]},
                             p.get("file"), p.get("line"))
                         for p in data["packages"]),
                   {str(k): str(v) for k, v in (data.get("kinds") or {}).items()})
