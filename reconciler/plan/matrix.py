"""The promotion matrix of ``wfpromote status``: declared packages by configured
environments, each cell the last installation and what the next apply would do there.

Pure: made from the listing and the installation histories with the same planner that
``plan`` uses, so "pending" and "blocked" mean what the next apply would do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.plan.identity import match_packages
from reconciler.plan.installs import last_outcome
from reconciler.plan.model import ActionKind, Plan
from reconciler.plan.ownership import parse_marker
from reconciler.plan.planner import plan
from reconciler.plan.promotion import Cell, Matrix, Row
from reconciler.plan.settings import PlanSettings
from reconciler.plan.soak import left_text, only_soaking, soak_left


def build_matrix(specs: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                 histories: Mapping[str, Sequence[Installation]],
                 settings: PlanSettings) -> Matrix:
    """The matrix of ``specs`` by the environments of ``settings`` (its URLs, in order)."""
    return matrix_of(plan(specs, remote, settings, histories), specs, remote, histories,
                     settings)


def matrix_of(planned: Plan, specs: Sequence[PackageSpec], remote: Sequence[RemotePackage],
              histories: Mapping[str, Sequence[Installation]],
              settings: PlanSettings, files: Mapping[str, str] | None = None) -> Matrix:
    """The matrix of an existing plan (``plan`` carries it as its picture): each cell what
    ``planned`` does there, or the last installation. ``files``: package name -> the file
    it is declared in, as the page links it (else the file as the loader showed it)."""
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
            if action is not None and only_soaking(action.blocked):
                cell = replace(shown, state="soaking",
                               reason=_time_left(spec, env, package, histories, urls,
                                                 settings.now) or action.blocked)
            elif action is not None and action.blocked is not None:
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
        origin = spec.origin
        rows.append(Row(spec.name, package.id if package else None,
                        package.status if package else None,
                        package.version if package else None, cells,
                        (files or {}).get(spec.name, origin.file if origin else None),
                        origin.line if origin else None))
    return Matrix(settings.owner, settings.profile, tuple(urls), tuple(rows),
                  dict(settings.environment_kinds))


def _time_left(spec: PackageSpec, env: str, package: RemotePackage | None,
               histories: Mapping[str, Sequence[Installation]], urls: Mapping[str, str],
               now: float | None) -> str | None:
    """``soaking in preview: 3h 20m left of 4h`` for the soak of ``env``'s install that has
    longest to go; None when no time can be said (not installed there yet, times unknown)."""
    if package is None:
        return None
    step = next((s for s in spec.install if s.environment == env), None)
    waits = []
    for gate, soak in (step.soaks.items() if step is not None else ()):
        marker = parse_marker(package.description)
        phase, inst = last_outcome(histories.get(package.id, ()), package, urls.get(gate, gate),
                                   marker.prior if marker else frozenset())
        if phase != "succeeded" or inst is None:
            continue
        left = soak_left(soak, inst.updatedAt or inst.registeredAt, now)
        if left is not None and left > 0:
            waits.append((left, gate, soak))
    if not waits:
        return None
    left, gate, soak = max(waits)
    return left_text(gate, soak, left)
