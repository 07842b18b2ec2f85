"""Which remote package each declared package is: by pinned ``id``, else by ``name``.

Deleted remote packages never match. Live packages of ours that share a name and a content
digest are duplicates (a create's lost POST committed after all): the oldest of each set
stays a candidate, the rest are ``twins`` the planner retires (it prefers an installed one
once it has read the histories). When several live packages share a declared name, the
one that is not DISABLED wins (a replace by create-then-disable leaves the old version behind,
disabled); the rest are *superseded* and left alone. Anything still ambiguous is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan import canonical
from reconciler.plan.ownership import Marker
from reconciler.plan.readings import Readings


@dataclass(frozen=True)
class Match:
    spec: PackageSpec
    remote: RemotePackage | None          # None: nothing remote yet
    superseded: tuple[RemotePackage, ...] = ()
    # Other live versions of ours left by an unfinished create-then-disable replace (stopped
    # before its disable, or its new package failed to assemble): the planner disables them,
    # the step that replace never reached.
    leftovers: tuple[RemotePackage, ...] = ()
    # The pinned id, when it names a version a create-then-disable replace retired and the
    # match followed it to its successor: the file's `id:` line needs the new id.
    stale_pin: str | None = None
    # Live packages of ours with the name and the same content digest as ``remote`` (a
    # create whose lost POST was committed after all): duplicates, retired by the planner.
    twins: tuple[RemotePackage, ...] = ()


def _where(spec: PackageSpec) -> str:
    if spec.origin is not None:
        return f" (declared at {spec.origin.file}:{spec.origin.line})"
    return ""


def match_packages(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                   owner: str, readings: Readings | None = None) -> list[Match]:
    """``readings``: the caller's, when it reads the same packages too (one per call)."""
    read = Readings() if readings is None else readings
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
        successor = _successor(spec, found, live, owner, read)
        if successor is not None and successor.id.lower() not in pinned:
            pinned[successor.id.lower()] = spec
            matches[index] = Match(spec, successor, (found,), stale_pin=found.id)
        else:
            matches[index] = Match(spec, found)

    by_name: dict[str, list[RemotePackage]] = {}
    for package in live:
        if package.id.lower() not in pinned:
            by_name.setdefault(read(package).name, []).append(package)
    for index, spec in enumerate(desired):
        if index not in matches:
            candidates = by_name.get(canonical.name(spec.name), [])
            matches[index] = _choose(spec, candidates, owner, read)
    return [matches[i] for i in range(len(desired))]


def _choose(spec: PackageSpec, candidates: list[RemotePackage], owner: str,
            read: Readings) -> Match:
    kept, twins = _without_twins(candidates, owner, read)
    if not twins:
        return _choose_among(spec, candidates, owner, read)
    try:
        match = _choose_among(spec, kept, owner, read)
    except WfpromoteError:
        # Still ambiguous without the duplicates: say so with every candidate.
        return _choose_among(spec, candidates, owner, read)
    if match.remote is None:
        raise AssertionError("twins always leave a candidate")
    mine = tuple(t for t in twins if _content_key(read(t).marker) ==
                 _content_key(read(match.remote).marker))
    # Twins of a version that is not the match (an older content, say) are leftovers: the
    # match's other live versions, disabled once it is usable.
    leftovers = [*match.leftovers, *(t for t in twins if t not in mine)]
    leftovers.sort(key=lambda c: next(i for i, o in enumerate(candidates) if o is c))
    return replace(match, twins=mine, leftovers=tuple(leftovers))


def _without_twins(candidates: list[RemotePackage], owner: str, read: Readings
                   ) -> tuple[list[RemotePackage], list[RemotePackage]]:
    """Candidates with each set of live duplicates of ours (same marker: owner, digest and
    revision) cut down to its oldest; the cut ones."""
    groups: dict[object, list[RemotePackage]] = {}
    for package in candidates:
        seen = read(package)
        if package.status is None or seen.owner != owner or seen.status in (
                "DISABLED", "ASSEMBLING_FAILED"):
            continue
        groups.setdefault(_content_key(seen.marker), []).append(package)
    twins: list[RemotePackage] = []
    for group in groups.values():
        if len(group) > 1:
            twins.extend(sorted(group, key=oldest_first)[1:])
    return [c for c in candidates if c not in twins], twins


def _content_key(marker: Marker | None) -> tuple[str, str, int | None] | None:
    """What makes two packages of ours duplicates: owner, digest and revision. Not what the
    marker records of installations (``prior``, ``rollback``): a create committed late
    carries the marker as first sent, while its twin may have been re-used since."""
    return None if marker is None else (marker.owner, marker.digest, marker.revision)


def oldest_first(package: RemotePackage) -> tuple[str, str]:
    return (package.createdAt or "\uffff", package.id)


def _choose_among(spec: PackageSpec, candidates: list[RemotePackage], owner: str,
                  read: Readings) -> Match:
    if not candidates:
        return Match(spec, None)
    if len(candidates) == 1:
        return Match(spec, candidates[0])
    active = [c for c in candidates if read(c).status != "DISABLED"]
    chosen: list[RemotePackage] = active
    if not active:
        # Only disabled versions: the one whose marker records the current content is it.
        digest = spec.digest()
        chosen = [c for c in candidates
                  if (m := read(c).marker) and m.owner == owner
                  and m.digest == digest]
    if len(chosen) == 1:
        if read(chosen[0]).owner != owner and any(read(c).owner == owner for c in candidates):
            # Ours is disabled and the live one is someone else's (made by hand under our
            # name): taking it would adopt or replace their package. Ours is pinned instead.
            raise _ambiguous(spec, candidates, owner, read)
        rest = tuple(c for c in candidates if c is not chosen[0])
        return Match(spec, chosen[0], rest)
    if len(active) > 1 and (resumed := _interrupted_replace(spec, active, owner, read)) \
            is not None:
        newest, older = resumed
        disabled = tuple(c for c in candidates if c not in active)
        return Match(spec, newest, disabled, older)
    if not active and not chosen and all(
            (m := read(c).marker) and m.owner == owner for c in candidates):
        # Only our own retired versions, none with this content (replaced, then pruned, now
        # declared again with new content): they stay as they are and a new one is made.
        return Match(spec, None, tuple(candidates))
    raise _ambiguous(spec, chosen or candidates, owner, read)


def _ambiguous(spec: PackageSpec, candidates: list[RemotePackage], owner: str,
               read: Readings) -> WfpromoteError:
    """The error for a name several live packages carry: which one is ours, and the line
    that says so (an ``id:`` pin: pinned, the package is matched by id and the others under
    its name are left alone)."""
    where = f"to {spec.origin.file}" if spec.origin is not None else "to the package file"
    ours = [c for c in candidates if (m := read(c).marker) is not None and m.owner == owner]
    if len(ours) == 1:
        others = sorted(c.id for c in candidates if c is not ours[0])
        verb = "is" if len(others) == 1 else "are"
        return WfpromoteError(
            f"package {spec.name!r}{_where(spec)} matches several remote packages by name: "
            f"{ours[0].id} is managed by owner {owner!r}, {', '.join(others)} {verb} not "
            "(made by hand or by another tool)",
            hint=f"pin the managed one: add `id: {ours[0].id}` {where}; the other "
                 "packages of that name are then left alone (or rename them in Workfront)")
    shown = ", ".join(f"{c.id} ({_whose(c, owner, read)})"
                      for c in sorted(candidates, key=lambda c: c.id))
    return WfpromoteError(
        f"package {spec.name!r}{_where(spec)} matches several remote packages by name: {shown}",
        hint=f"pin the one to manage: add `id: <one of these ids>` {where}; the others are "
             "then left alone (or rename them in Workfront)")


def _whose(package: RemotePackage, owner: str, read: Readings) -> str:
    reading = read(package)
    whose = ("managed by this owner" if reading.owner == owner else
             f"owner {reading.owner!r}" if reading.owner else "no owner marker")
    return f"{whose}, {reading.status_name or 'status not listed'}"


def _interrupted_replace(spec: PackageSpec, active: list[RemotePackage], owner: str,
                         read: Readings,
                         ) -> tuple[RemotePackage, tuple[RemotePackage, ...]] | None:
    """Which of several live packages of ours by this name is the package, if that is clear.

    A create-then-disable replace leaves such a set when it is stopped after the create (the
    new version carries the declared digest) or when the new version fails to assemble (the
    old one stays live, beside an ASSEMBLING_FAILED one). Failed versions never win: the one
    healthy version with the declared content does, else the only healthy version at all.
    """
    if any(c.status is None for c in active):
        return None  # a slim list item may be a DISABLED version: fetched, then judged again
    markers = [read(c).marker for c in active]
    if not all(m is not None and m.owner == owner for m in markers):
        return None
    digest = spec.digest()
    healthy = [c for c in active if read(c).status != "ASSEMBLING_FAILED"]
    current = [c for c, m in zip(active, markers, strict=True)
               if m and m.digest == digest and c in healthy]
    if len(current) == 1:
        chosen = current[0]
    elif not current and len(healthy) == 1:
        chosen = healthy[0]
    else:
        return None
    return chosen, tuple(c for c in active if c is not chosen)


def _successor(spec: PackageSpec, pinned: RemotePackage, live: Sequence[RemotePackage],
               owner: str, read: Readings) -> RemotePackage | None:
    """The package that replaced a pinned one, when the pin names a retired version.

    A create-then-disable replace gives the package a new id and disables the pinned one;
    following the pin blindly would re-enable the old version and disable the new one on the
    next run. The successor is the one live package of ours with the declared name and
    content; anything less certain keeps the pin as written.
    """
    marker = read(pinned).marker
    if read(pinned).status not in ("DISABLED", "ASSEMBLING_FAILED") or \
            marker is None or marker.owner != owner:
        return None
    digest, name = spec.digest(), canonical.name(spec.name)
    found = [r for r in live if r is not pinned and read(r).name == name
             and r.status is not None
             and read(r).status not in ("DISABLED", "ASSEMBLING_FAILED")
             and (m := read(r).marker) is not None
             and m.owner == owner and m.digest == digest]
    return found[0] if len(found) == 1 else None
