"""``wfpromote status``: the promotion matrix, declared packages by configured environments.

Read only: the package list and the installation history (E8) of each declared package
that exists, from the listing environment. The cells come from the same planner that
``plan`` uses, so "pending" and "blocked" mean what the next apply would do.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock
from reconciler.console import printable
from reconciler.domain.declared import Config, PackageSpec
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.plan.identity import match_packages
from reconciler.plan.installs import last_outcome
from reconciler.plan.model import ActionKind, Plan
from reconciler.plan.ownership import parse_marker
from reconciler.plan.planner import plan as make_plan
from reconciler.run.planning import PlanOptions, environment_urls, fetch_histories, plan_settings

STATUS_VERSION = "1.0"
SHORT = 12


def short(digest: str) -> str:
    return digest[:SHORT]


@dataclass(frozen=True)
class Cell:
    state: str                       # installed | failed | running | pending | blocked | none
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


def build_matrix(config: Config, specs: Sequence[PackageSpec],
                 remote: Sequence[RemotePackage],
                 histories: Mapping[str, Sequence[Installation]], api: PromotionAPI) -> Matrix:
    settings = plan_settings(config, api, PlanOptions(), "")
    planned: Plan = make_plan(specs, remote, settings, histories)
    installs = {(a.name, a.environment): a for a in planned.actions
                if a.kind is ActionKind.INSTALL}
    urls = environment_urls(config)
    matches = {m.spec.name: m.remote for m in match_packages(specs, remote, config.owner)}
    rows = []
    for spec in sorted(specs, key=lambda s: s.name):
        package = matches.get(spec.name)
        declared = {step.environment for step in spec.install}
        cells = {}
        for env in config.environments:
            action = installs.get((spec.name, env))
            phase, inst, marker = "none", None, None
            if package is not None:
                # Installations the marker lists as prior hold earlier content: not shown.
                marker = parse_marker(package.description)
                phase, inst = last_outcome(histories.get(package.id, ()), package, urls[env],
                                           marker.prior if marker else frozenset())
            shown = Cell("none", env in declared,
                         content=marker.digest if inst and marker else None,
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
    return Matrix(config.owner, config.api, tuple(config.environments), tuple(rows))


async def read_matrix(config: Config, specs: Sequence[PackageSpec],
                      clients: Mapping[str, PromotionAPI]) -> Matrix:
    api = clients[config.listing_environment()]
    remote = await api.list_packages()
    live = {m.remote.id for m in match_packages(specs, remote, config.owner)
            if m.remote is not None}
    histories = await fetch_histories(api, live, config.concurrency)
    return build_matrix(config, specs, remote, histories, api)


def status_matrix(config: Config, *, allow_simulator: bool, clock: Clock) -> Matrix:
    from reconciler.desired.loader import load_packages
    from reconciler.run.clients import open_clients

    specs = list(load_packages(config, []))

    async def run() -> Matrix:
        async with open_clients(config, allow_simulator=allow_simulator,
                                clock=clock) as clients:
            return await read_matrix(config, specs, clients)

    return asyncio.run(run())


def render_status(matrix: Matrix, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(matrix.data(), indent=2, ensure_ascii=False) + "\n"
    header = ["PACKAGE", "STATUS", *matrix.environments]
    rows = [[r.name, r.status or "(not created)",
             *(r.cells[e].text() + ("" if r.cells[e].declared or r.cells[e].state == "none"
                                    else " (not declared)") for e in matrix.environments)]
            for r in matrix.rows]
    if output_format == "markdown":
        from reconciler.output.markdown import escape_html

        lines = ["### wfpromote status", "",
                 "| " + " | ".join(escape_html(h) for h in header) + " |",
                 "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(escape_html(c) for c in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    table = [header] + [[printable(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    out = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in table]
    if not matrix.rows:
        out.append("(no packages declared)")
    return "\n".join(out) + "\n"
