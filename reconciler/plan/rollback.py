"""Rollback by ``git revert``: declared content that an earlier package of ours still holds.

Under ``current`` a content change makes a new package and disables the old one, which keeps
the content it assembled then. When the files declare that content again (a revert), the
plan re-uses that package instead of assembling again from today's sandbox (which may have
moved on): it is made ACTIVE again (PATCH), the version it takes over from is disabled, and
it is installed where the files ask with every record the pre-run matches set to OVERWRITING,
so the targets return to that content (docs/rollback.md).

Only our own DISABLED versions with the declared name and exactly the declared digest are
candidates; of several, the newest that was installed somewhere. Its installations into an
environment a later version reached since no longer count (the targets hold that later
content); elsewhere they stand. Under ``api: 2023`` the install has no OVERWRITING, so
the targets could not be returned to the earlier content: the plan says so and assembles
again. Pure: the histories and records come in as data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.domain.profiles import Capabilities
from reconciler.domain.remote import Installation, RemotePackage, environment_key
from reconciler.domain.statuses import installation_phase
from reconciler.plan import canonical
from reconciler.plan.identity import Match, oldest_first
from reconciler.plan.ownership import installation_key
from reconciler.plan.readings import Readings
from reconciler.plan.soak import epoch_seconds


def candidates(match: Match, owner: str, read: Readings) -> list[RemotePackage]:
    """The earlier versions of ours (DISABLED) that hold the declared content, oldest first,
    when the matched package holds other content (empty: no rollback)."""
    current = match.remote
    if current is None:
        return []
    marker = read(current).marker
    digest = match.spec.digest()
    if marker is None or marker.owner != owner or marker.digest == digest:
        return []
    found = [p for p in match.superseded
             if not p.deleted and read(p).status == "DISABLED"
             and (m := read(p).marker) is not None and m.owner == owner and m.digest == digest]
    return sorted(found, key=oldest_first)


def widen(match: Match, managed: Sequence[RemotePackage], owner: str,
          read: Readings) -> Match:
    """A match as a rollback sees it, where the matching alone does not show one.

    * Matched by a pinned ``id:``, the other versions under the name are not in
      ``superseded``: they are added when one of ours holds the declared content (DISABLED).
    * Matched to a version of ours that holds the declared content but is DISABLED (pinned
      to it, or the only versions left are disabled: the file was deleted and its package
      pruned, then restored), while another version of ours is live, or a later one exists:
      that one is rolled back from (the newest live one, else the newest later one), and
      the matched one is re-used.

    Any other match is returned as it is."""
    found = match.remote
    if found is None:
        return match
    name = canonical.name(match.spec.name)

    def mine(p: RemotePackage) -> bool:
        return (m := read(p).marker) is not None and m.owner == owner

    extra = [p for p in managed if p is not found and p not in match.superseded
             and not p.deleted and read(p).name == name and mine(p)] \
        if match.spec.id is not None else []
    seen = read(found)
    if seen.status == "DISABLED" and seen.marker is not None and seen.marker.owner == owner \
            and seen.marker.digest == match.spec.digest():
        others = [p for p in (*match.superseded, *extra) if mine(p) and p.status is not None
                  and read(p).status != "ASSEMBLING_FAILED"]
        # A live version, of any age, holds other content now (a rollback to an older
        # one, say); with none live, a disabled one made later is what was retired last.
        live = [p for p in others if read(p).status != "DISABLED"]
        later = live or [p for p in others if oldest_first(p) > oldest_first(found)]
        if not later:
            return match
        current = sorted(later, key=oldest_first)[-1]
        return replace(match, remote=current, superseded=tuple(
            p for p in (*match.superseded, *extra, found) if p is not current))
    disabled = tuple(p for p in extra if read(p).status == "DISABLED")
    if not disabled:
        return match
    widened = replace(match, superseded=(*match.superseded, *disabled))
    return widened if candidates(widened, owner, read) else match


def choose(found: Sequence[RemotePackage],
           histories: Mapping[str, Sequence[Installation]]) -> RemotePackage | None:
    """Of the candidates, the one re-used: the newest that was installed somewhere (a
    duplicate retired before any install holds the content too, but was never in use), else
    the newest."""
    installed = [p for p in found if any(installation_phase(i.status) == "succeeded"
                                         for i in histories.get(p.id, ()))]
    pool = installed or list(found)
    return pool[-1] if pool else None


def later_versions(match: Match, earlier: RemotePackage, owner: str,
                   read: Readings) -> list[RemotePackage]:
    """The versions of ours made after ``earlier``: the matched one and the retired ones
    between (their installations are what the targets hold since)."""
    assert match.remote is not None
    since = oldest_first(earlier)
    between = [p for p in (*match.superseded, *match.leftovers)
               if p is not earlier and oldest_first(p) > since
               and (m := read(p).marker) is not None and m.owner == owner]
    return [match.remote, *between]


def reached(later: Sequence[Sequence[Installation]]) -> dict[str | None, list[float | None]]:
    """Per environment (as ``environment_key`` compares it), when each later version was
    installed there: installed or failed (a failed install may have written records), not
    a pre-run that never ran."""
    since: dict[str | None, list[float | None]] = {}
    for history in later:
        for inst in history:
            if installation_phase(inst.status) in ("succeeded", "failed"):
                since.setdefault(environment_key(inst.environment), []).append(
                    epoch_seconds(inst.registeredAt))
    return since


def overtaken(earlier: Sequence[Installation],
              since: Mapping[str | None, Sequence[float | None]]) -> frozenset[str]:
    """The keys (``ownership.installation_key``) of the earlier version's installations into
    an environment a later version was installed into since (``reached``): those targets
    hold other content now, so those installations no longer count. An environment no later
    version went to still holds the earlier content: its installation stands."""
    out = set()
    for inst in earlier:
        if not inst.id or installation_phase(inst.status) == "pending":
            continue
        stamps = since.get(environment_key(inst.environment))
        if stamps is None:
            continue
        at = epoch_seconds(inst.registeredAt)
        if at is None or any(s is None or s >= at for s in stamps):
            out.add(installation_key(inst.id))
    return frozenset(out)


def impossible(capabilities: Capabilities) -> str | None:
    """Why this API cannot roll back by re-use (None: it can)."""
    if "OVERWRITING" not in capabilities.map_actions:
        return ("this API has no OVERWRITING install action, so the targets' records could "
                "not be returned to the earlier content")
    return None


def installed_in(history: Sequence[Installation],
                 environments: Mapping[str, str]) -> tuple[str, ...]:
    """The configured environments ``history`` holds a successful installation into, in
    configuration order."""
    keys = {environment_key(i.environment) for i in history
            if installation_phase(i.status) == "succeeded"}
    return tuple(name for name, url in environments.items() if environment_key(url) in keys)


def records(package: RemotePackage) -> tuple[str, ...]:
    """The package's records as ``objCode name`` labels (its ``packageEntities``), sorted."""
    out = []
    for code, entries in (package.packageEntities or {}).items():
        for entry in entries or ():
            out.append(f"{code} {entry.get('name') or entry.get('id') or '?'}")
    return tuple(sorted(out))


def day(stamp: str | None) -> str | None:
    """The date part of an ISO time, as the plan shows it."""
    return stamp[:10] if stamp else None
