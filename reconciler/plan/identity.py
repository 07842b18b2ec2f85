"""Which remote package each declared package is: by pinned ``id``, else by ``name``.

Deleted remote packages never match. When several live packages share a declared name, the
one that is not DISABLED wins (a replace by create-then-disable leaves the old version behind,
disabled); the rest are *superseded* and left alone. Anything still ambiguous is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.api.models import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.model import PackageSpec
from reconciler.plan import normalise
from reconciler.plan.ownership import parse_marker


@dataclass(frozen=True)
class Match:
    spec: PackageSpec
    remote: RemotePackage | None          # None: nothing remote yet
    superseded: tuple[RemotePackage, ...] = ()


def _where(spec: PackageSpec) -> str:
    if spec.origin is not None:
        return f" (declared at {spec.origin.file}:{spec.origin.line})"
    return ""


def match_packages(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                   owner: str) -> list[Match]:
    live = [r for r in remote if not r.deleted]
    by_id = {r.id.lower(): r for r in live}
    pinned: dict[str, PackageSpec] = {}
    matches: dict[int, Match] = {}
    for index, spec in enumerate(desired):
        if spec.id is None:
            continue
        found = by_id.get(spec.id.lower())
        if found is None:
            raise WfpromoteError(
                f"package {spec.name!r}{_where(spec)} pins id {spec.id}, which does not exist "
                "remotely (or was deleted)",
                hint="remove the `id:` line to create the package anew, or fix the id")
        if found.id.lower() in pinned:
            raise WfpromoteError(
                f"packages {pinned[found.id.lower()].name!r} and {spec.name!r} pin the same "
                f"id {spec.id}", hint="each package may pin a different id only")
        pinned[found.id.lower()] = spec
        matches[index] = Match(spec, found)

    by_name: dict[str, list[RemotePackage]] = {}
    for package in live:
        if package.id.lower() not in pinned:
            by_name.setdefault(normalise.name(package.name), []).append(package)
    for index, spec in enumerate(desired):
        if index not in matches:
            candidates = by_name.get(normalise.name(spec.name), [])
            matches[index] = _choose(spec, candidates, owner)
    return [matches[i] for i in range(len(desired))]


def _choose(spec: PackageSpec, candidates: list[RemotePackage], owner: str) -> Match:
    if not candidates:
        return Match(spec, None)
    if len(candidates) == 1:
        return Match(spec, candidates[0])
    active = [c for c in candidates if normalise.status(c.status) != "DISABLED"]
    chosen: list[RemotePackage] = active
    if not active:
        # Only disabled versions: the one whose marker records the current content is it.
        digest = spec.digest()
        chosen = [c for c in candidates
                  if (m := parse_marker(c.description)) and m.owner == owner
                  and m.digest == digest]
    if len(chosen) == 1:
        rest = tuple(c for c in candidates if c is not chosen[0])
        return Match(spec, chosen[0], rest)
    if not active and not chosen and all(
            (m := parse_marker(c.description)) and m.owner == owner for c in candidates):
        # Only our own retired versions, none with this content (replaced, then pruned, now
        # declared again with new content): they stay as they are and a new one is made.
        return Match(spec, None, tuple(candidates))
    ids = ", ".join(sorted(c.id for c in (chosen or candidates)))
    raise WfpromoteError(
        f"package {spec.name!r}{_where(spec)} matches several remote packages by name: {ids}",
        hint="pin the one to manage with `id: <uuid>` in the package file")
