"""The promotion matrix of ``wfpromote status``: declared packages by configured
environments, each cell the last installation and what the next apply would do there.

Pure: made from the listing and the installation histories with the same planner that
``plan`` uses, so "pending" and "blocked" mean what the next apply would do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.plan.identity import match_packages
from reconciler.plan.installs import last_outcome
from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan
from reconciler.plan.settings import PlanSettings

STATUS_VERSION = "1.0"


@dataclass(frozen=True)
class Cell:
    state: str                       # installed | failed | running | pending | blocked | none
    declared: bool
    version: int | None = None
    at: str | None = None
    outcome: str | None = None
    installation_id: str | None = None
    reason: str | None = None

    def data(self) -> dict[str, Any]:
        return {"state": self.state, "declared": self.declared, "version": self.version,
                "at": self.at, "outcome": self.outcome,
                "installation_id": self.installation_id, "reason": self.reason}

    def text(self) -> str:
        if self.state in ("installed", "failed", "running"):
            version = f" v{self.version}" if self.version is not None else ""
            when = f" {self.at}" if self.at else ""
            word = self.state if self.state != "failed" else f"failed ({self.outcome})"
            pending = " -> pending" if self.reason == "pending" else ""
            return f"{word}{version}{when}{pending}"
        if self.state == "blocked":
            return f"blocked: {self.reason}"
        return "pending" if self.state == "pending" else "-"


@dataclass(frozen=True)
class Row:
    name: str
    package_id: str | None
    status: str | None
    version: int | None
    cells: Mapping[str, Cell]


@dataclass(frozen=True)
class Matrix:
    owner: str
    profile: str
    environments: tuple[str, ...]
    rows: tuple[Row, ...]

    def data(self) -> dict[str, Any]:
        return {"format_version": STATUS_VERSION, "owner": self.owner, "profile": self.profile,
                "environments": list(self.environments),
                "packages": [{"name": r.name, "package_id": r.package_id, "status": r.status,
                              "version": r.version,
                              "cells": {e: c.data() for e, c in r.cells.items()}}
                             for r in self.rows]}


def build_matrix(specs: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                 histories: Mapping[str, Sequence[Installation]],
                 settings: PlanSettings) -> Matrix:
    """The matrix of ``specs`` by the environments of ``settings`` (its URLs, in order)."""
    planned = plan(specs, remote, settings, histories)
    installs = {(a.name, a.environment): a for a in planned.actions
                if a.kind is ActionKind.INSTALL}
    urls = settings.environments
    matches = {m.spec.name: m.remote for m in match_packages(specs, remote, settings.owner)}
    rows = []
    for spec in sorted(specs, key=lambda s: s.name):
        package = matches.get(spec.name)
        declared = {step.environment for step in spec.install}
        cells = {}
        for env in urls:
            action = installs.get((spec.name, env))
            phase, inst = ("none", None)
            if package is not None:
                phase, inst = last_outcome(histories.get(package.id, ()), package, urls[env])
            shown = Cell("none", env in declared,
                         version=inst.environmentPromotionPackageVersion if inst else None,
                         at=(inst.updatedAt or inst.registeredAt) if inst else None,
                         outcome=inst.status if inst else None,
                         installation_id=inst.id if inst else None)
            if action is not None and action.blocked is not None:
                cell = replace(shown, state="blocked", reason=action.blocked)
            elif action is not None and phase in ("failed", "running"):
                cell = replace(shown, state=phase, reason="pending")
            elif action is not None and phase == "succeeded":
                # done, but the next apply installs again (new version or --reinstall)
                cell = replace(shown, state="installed", reason="pending")
            elif action is not None:
                cell = replace(shown, state="pending", reason=action.reason.value)
            elif phase == "succeeded":
                cell = replace(shown, state="installed")
            elif phase in ("failed", "running"):
                cell = replace(shown, state=phase)
            else:
                cell = shown
            cells[env] = cell
        rows.append(Row(spec.name, package.id if package else None,
                        package.status if package else None,
                        package.version if package else None, cells))
    return Matrix(settings.owner, settings.profile, tuple(urls), tuple(rows))
