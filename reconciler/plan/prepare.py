"""The first half of one planning run: the selection and the matching, done once over the
listing, and what must be fetched before the plan can be made.

``prepare(desired, listing, settings)`` is pure. Its :class:`Preparation` names the packages
the slim listing cannot decide about (``details``, read one by one) and those whose
installation history the plan needs (``histories``); the caller fetches both, then
``planner.plan_prepared(preparation, details, histories)`` makes the plan. A fetched record
can change a match (a failed assembly never matches; a DISABLED version is superseded), so
the matching is made again only over a listing into which details were fetched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan import canonical, rollback
from reconciler.plan.identity import Match, match_packages
from reconciler.plan.readings import Readings
from reconciler.plan.selection import Selection
from reconciler.plan.settings import PlanSettings
from reconciler.suggest import did_you_mean


@dataclass(frozen=True)
class Survey:
    """A listing as one run sees it: failed assemblies set apart, the packages of this owner,
    and the selected declared packages matched to the rest."""

    remote: tuple[RemotePackage, ...]           # the listing without the failed assemblies
    failed: tuple[RemotePackage, ...]           # our failed assemblies: cleaned up
    managed: tuple[RemotePackage, ...]          # ours, live, not failed
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class Preparation:
    """Everything planning knows before it fetches; see the module text."""

    desired: tuple[PackageSpec, ...]
    chosen: tuple[PackageSpec, ...]             # the declared packages the selection keeps
    listing: tuple[RemotePackage, ...]
    settings: PlanSettings
    selection: Selection
    selected: frozenset[str]                    # ids of remote packages the selection keeps
    readings: Readings
    survey: Survey | None                       # None: the listing alone cannot be matched
    details: frozenset[str]                     # ids to read one by one (GET)
    problem: WfpromoteError | None = None       # why there is no survey

    @property
    def histories(self) -> frozenset[str]:
        """IDs of the matched packages whose installation history (E8) the plan needs: those
        with installs, and those whose content a PUT replaces in place (the marker then lists
        the installations of the earlier content, ``ownership.Marker.prior``). Where a
        replace makes a new package (``create_then_disable``), the old one's history tells
        nothing about the new one and is not read; superseded versions are never read."""
        if self.survey is None:
            return frozenset()   # known once the details are fetched
        in_place = self.settings.capabilities.replace_with_put
        wanted = {m.remote.id for m in self.survey.matches
                  if m.remote is not None and (
                      (m.spec.install or self._replaced(m)) if in_place
                      # a new package replaces it: its history tells nothing
                      else m.spec.install and not self._replaced(m))}
        # Of duplicates, the installed one is kept: each one's history tells which.
        wanted.update(p.id for m in self.survey.matches if m.spec.install and m.twins
                      for p in (m.remote, *m.twins) if p is not None)
        # A rollback says where the version it re-uses was installed and plans its installs
        # again where a later version went since: the histories of both.
        for match, found in self._rollbacks():
            wanted.update(p.id for p in found)
            wanted.update(p.id for p in rollback.later_versions(
                match, found[0], self.settings.owner, self.readings))
        return frozenset(wanted)

    def _rollbacks(self) -> list[tuple[Match, list[RemotePackage]]]:
        """Per match with a rollback (``plan.rollback``), the earlier versions it may re-use,
        oldest first; none where the API cannot roll back."""
        if self.survey is None or rollback.impossible(self.settings.capabilities):
            return []
        owner, read, managed = self.settings.owner, self.readings, self.survey.managed
        return [(m, found) for m in (rollback.widen(m, managed, owner, read)
                                     for m in self.survey.matches)
                if m.spec.name not in self.settings.replaces
                and (found := rollback.candidates(m, owner, read))]

    def rollbacks(self) -> list[RemotePackage]:
        """The earlier versions a rollback may re-use: each is read whole (its records and
        when it was retired)."""
        return [p for _, found in self._rollbacks() for p in found]

    def _replaced(self, match: Match) -> bool:
        """Whether the declared content replaces the remote one (by marker or request)."""
        assert match.remote is not None
        seen = self.readings(match.remote)
        marker = seen.marker
        return match.spec.name in self.settings.replaces or (
            marker is not None and marker.digest != match.spec.digest()) or (
            seen.status in ("ASSEMBLING_FAILED", "UNASSEMBLED"))

    def fetched(self, details: Mapping[str, RemotePackage]) -> Preparation:
        """The same run over the listing with ``details`` (full records by id) in place of
        their list items; the matching is made again, as a full record can change it."""
        if not details:
            return self
        listing = tuple(details.get(p.id, p) for p in self.listing)
        survey = survey_of(self.desired, self.chosen, listing, self.settings.owner,
                           self.readings)
        return replace(self, listing=listing, survey=survey, details=frozenset(), problem=None)

    def surveyed(self) -> Survey:
        """The survey the plan is made from; without one (the fetch that could decide was
        not made), the matching's problem."""
        if self.survey is None:
            assert self.problem is not None
            raise self.problem
        return self.survey


def prepare(desired: Sequence[PackageSpec], listing: Sequence[RemotePackage],
            settings: PlanSettings) -> Preparation:
    """Select, check ``--replace`` names, match, and say what must be fetched."""
    selection = Selection(settings.targets, settings.excludes)
    chosen = tuple(s for s in desired if selection.includes(s.name))
    _check_replace_names(desired, chosen, settings.replaces)
    selected = frozenset(r.id for r in listing if selection.includes(r.name))
    read = Readings()
    made = (tuple(desired), chosen, tuple(listing), settings, selection, selected, read)
    try:
        survey = survey_of(desired, chosen, listing, settings.owner, read)
    except WfpromoteError as exc:
        # Several live packages share a declared name and some list items lack the status
        # that tells the superseded (DISABLED) ones apart: fetch those, then judge again.
        details = _ambiguous(exc, desired, chosen, listing, settings, selected, read)
        return Preparation(*made, survey=None, details=details, problem=exc)
    prepared = Preparation(*made, survey=survey,
                           details=frozenset(_details(survey, settings, selected, read)))
    # A rollback shows the earlier version's records and when it was retired (a full read).
    earlier = {p.id for p in prepared.rollbacks() if p.packageEntities is None}
    return replace(prepared, details=prepared.details | earlier) if earlier else prepared


def survey_of(desired: Sequence[PackageSpec], chosen: Sequence[PackageSpec],
              listing: Sequence[RemotePackage], owner: str, read: Readings) -> Survey:
    failed = failed_assemblies(desired, listing, owner, read)
    remote = tuple(r for r in listing if r.id not in failed)
    managed = tuple(r for r in remote if not r.deleted and read(r).owner == owner)
    matches = tuple(match_packages(chosen, remote, owner, read))
    return Survey(remote, tuple(failed.values()), managed, matches)


def failed_assemblies(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                      owner: str, read: Readings) -> dict[str, RemotePackage]:
    """Our packages whose assembly failed, by id: never a match, always cleaned up.

    A failed package was never usable, so it is deleted (every profile offers DELETE; the
    status changes a failed package accepts differ between implementations). A package a
    declared file pins by ``id:`` is the exception: it stays the match (and is replaced).
    """
    pinned = {s.id.lower() for s in desired if s.id}
    return {r.id: r for r in remote
            if not r.deleted and (seen := read(r)).owner == owner
            and r.id.lower() not in pinned and seen.status == "ASSEMBLING_FAILED"}


def _details(survey: Survey, settings: PlanSettings, selected: frozenset[str],
             read: Readings) -> set[str]:
    """IDs of remote packages the slim listing cannot decide about."""
    wanted: set[str] = set()
    claimed: set[str] = set()
    for match in survey.matches:
        package = match.remote
        claimed.update(r.id for r in match.superseded + match.leftovers + match.twins)
        if package is None:
            continue
        marker = read(package).marker
        if package.status is None or (settings.adopt and marker is None
                                      and package.packageEntities is None):
            wanted.add(package.id)
        elif (marker is not None and marker.digest != match.spec.digest()
              and package.packageEntities is None):
            wanted.add(package.id)  # changed content is shown object by object
    # Our unclaimed packages whose status the list left out may be failed assemblies, which
    # are cleaned up whatever ``prune`` says: look at them (when the run covers them).
    if settings.complete_scope:
        wanted.update(r.id for r in survey.managed
                      if r.status is None and r.id not in claimed and r.id in selected)
    return wanted


def _ambiguous(exc: WfpromoteError, desired: Sequence[PackageSpec],
               chosen: Sequence[PackageSpec], listing: Sequence[RemotePackage],
               settings: PlanSettings, selected: frozenset[str],
               read: Readings) -> frozenset[str]:
    """The slim same-name versions that made the matching fail (a failed assembly has a
    status, so none is among them), and what the rest needs. Matched without them, the rest
    either matches or has a problem no fetch can solve, raised here."""
    names = {canonical.name(s.name) for s in chosen}
    slim = {r.id for r in listing if not r.deleted and r.status is None
            and read(r).name in names}
    if not slim:
        raise exc
    survey = survey_of(desired, chosen, [r for r in listing if r.id not in slim],
                       settings.owner, read)
    return frozenset(slim | _details(survey, settings, selected, read))


def _check_replace_names(desired: Sequence[PackageSpec], chosen: Sequence[PackageSpec],
                         replaces: frozenset[str]) -> None:
    """A --replace NAME that names no selected package would silently do nothing."""
    names = [s.name for s in chosen]
    for name in sorted(replaces):
        if name in names:
            continue
        if any(s.name == name for s in desired):
            raise WfpromoteError(f"--replace {name!r}: the package is left out by "
                                 "--target/--exclude",
                                 hint="widen the selection, or drop --replace")
        raise WfpromoteError(
            f"--replace {name!r}: no declared package has this name",
            hint=did_you_mean(name, names, noun="names") or
            "give the exact `name:` of a package file (see wfpromote validate)")
