"""The pure planning core: declared packages + a remote snapshot + settings in, a Plan out.

No HTTP, no files, no click: everything it needs is in its arguments, so it is fast and
testable. The pipeline (``reconciler.run.planning``) does the I/O around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.errors import UnsafePlan, WfpromoteError
from reconciler.plan import bodies, canonical, fingerprint, safety
from reconciler.plan.content import same_content
from reconciler.plan.definition_diff import definition_diffs
from reconciler.plan.identity import Match, match_packages
from reconciler.plan.installs import plan_installs, unique_name_warnings
from reconciler.plan.model import (
    Action,
    ActionKind,
    DiffOp,
    FieldDiff,
    Plan,
    Reason,
    ReplaceStrategy,
    Scope,
)
from reconciler.plan.object_diff import object_diffs
from reconciler.plan.ownership import Marker
from reconciler.plan.readings import Reading, Readings
from reconciler.plan.selection import Selection
from reconciler.plan.settings import PlanSettings
from reconciler.suggest import did_you_mean


@dataclass
class _Draft:
    """What planning one run accumulates before it becomes a Plan."""

    actions: list[Action] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
         settings: PlanSettings,
         installations: Mapping[str, Sequence[Installation]] | None = None,
         readings: Readings | None = None) -> Plan:
    """``installations`` is the history (E8) per remote package ID, fetched for the packages
    that declare installs; a package missing from it has no installs yet. ``readings``: the
    caller's, when it has read the same packages (``needs_detail``) just before."""
    read = Readings() if readings is None else readings
    history = installations or {}
    failed = failed_assemblies(desired, remote, settings.owner, read)
    remote = [r for r in remote if r.id not in failed]
    managed = [r for r in remote if not r.deleted and read(r).owner == settings.owner]
    verdict = safety.check_not_empty(len(desired), len(managed), settings)
    selection = Selection(settings.targets, settings.excludes)
    _check_replace_names(desired, selection, settings.replaces)
    matches = match_packages([s for s in desired if selection.includes(s.name)], remote,
                             settings.owner, read)
    draft = _Draft()
    in_scope = {canonical.name(s.name) for s in desired}
    for package in failed.values():
        # Within the run's scope: the whole folder, or a name the given PATHS declare.
        if selection.includes(package.name) and (
                settings.complete_scope or canonical.name(package.name) in in_scope):
            _plan_cleanup(package, draft, read)
    for match in matches:
        count = len(draft.actions)
        _plan_declared(match, settings, draft, read)
        _finish_replace(match, draft, read)
        _plan_installs(match, draft.actions[count:], settings, history, draft)
        if match.stale_pin is not None and match.remote is not None:
            where = f" in {match.spec.origin.file}" if match.spec.origin else ""
            draft.warnings.append(
                f"package {match.spec.name!r} pins id {match.stale_pin}, a version an earlier "
                f"replace disabled; following it to {match.remote.id}: change the line to "
                f"`id: {match.remote.id}`{where}")
    if draft.conflicts:
        raise UnsafePlan(
            "remote packages with a declared name are not managed by owner "
            f"{settings.owner!r}: " + "; ".join(draft.conflicts),
            hint="pass --adopt to take them over, or rename the declared packages")
    claimed = {r.id for m in matches
               for r in ((m.remote,) if m.remote else ()) + m.superseded + m.leftovers}
    unclaimed = [p for p in managed if p.id not in claimed and selection.includes(p.name)]
    scope = Scope()
    if settings.complete_scope:
        for package in unclaimed:
            _plan_prune(package, settings, draft, read)
    else:
        # Declared elsewhere or not at all: this run cannot tell, so it leaves them alone.
        scope = Scope(complete=False, out_of_scope=len(unclaimed),
                      reason=settings.scope_reason or "PATHS do not cover the packages folder")
    _note_renames(matches, managed, draft, read)
    actions = sorted(draft.actions, key=Action.sort_key)
    if verdict is None or verdict.allowed:
        # --allow-empty consents to removing everything: the threshold does not ask again.
        verdict = verdict or safety.check_threshold(actions, len(managed), settings)
    if (warning := selection.warning()) is not None:
        draft.warnings[:0] = [warning, *selection.unmatched(
            [s.name for s in desired] + [r.name for r in managed])]
    touched = [a.package_id for a in actions if a.package_id]
    touched += [m.remote.id for m in matches if m.remote is not None]
    created = [a.name for a in actions if a.kind is ActionKind.CREATE]
    remote = [*remote, *failed.values()]
    return Plan(
        actions=tuple(actions), owner=settings.owner, profile=settings.profile,
        desired_digest=settings.desired_digest,
        remote_fingerprints=fingerprint.compute(remote, settings.owner, touched, created, read),
        warnings=tuple(draft.warnings), scope=scope, verdict=verdict)


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


def _plan_cleanup(package: RemotePackage, draft: _Draft, read: Readings) -> None:
    reason = failure_reason(package)
    draft.warnings.append(
        f"package {package.name!r} ({package.id}) failed to assemble"
        f"{': ' + reason if reason else ''}; it was never usable and is deleted")
    draft.actions.append(Action(
        kind=ActionKind.DELETE, name=package.name, reason=Reason.ASSEMBLY_FAILED,
        package_id=package.id, before=_before(package, read(package))))


def failure_reason(package: RemotePackage) -> str:
    """What the service said about a failed assembly, as far as it says anything."""
    extra = package.model_extra or {}
    for key in ("failureReason", "reason", "error", "message", "statusMessage"):
        value = extra.get(key)
        if value:
            return str(value)
    return ""


def needs_detail(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                 settings: PlanSettings, readings: Readings | None = None) -> set[str]:
    """IDs of remote packages the slim listing cannot decide about; fetch these one by one."""
    read = Readings() if readings is None else readings
    failed = failed_assemblies(desired, remote, settings.owner, read)
    remote = [r for r in remote if r.id not in failed]
    selection = Selection(settings.targets, settings.excludes)
    chosen = [s for s in desired if selection.includes(s.name)]
    try:
        matches = match_packages(chosen, remote, settings.owner, read)
    except WfpromoteError:
        # Several live packages share a declared name and some list items lack the status
        # that tells the superseded (DISABLED) ones apart: fetch those, then judge again.
        names = {canonical.name(s.name) for s in chosen}
        slim = {r.id for r in remote if not r.deleted and r.status is None
                and read(r).name in names}
        if not slim:
            raise
        return slim | needs_detail(desired, [r for r in remote if r.id not in slim],
                                   settings, read)
    wanted: set[str] = set()
    claimed: set[str] = set()
    for match in matches:
        package = match.remote
        claimed.update(r.id for r in match.superseded + match.leftovers)
        if package is None:
            continue
        claimed.add(package.id)
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
        wanted.update(r.id for r in remote
                      if not r.deleted and r.status is None and r.id not in claimed
                      and read(r).owner == settings.owner and selection.includes(r.name))
    return wanted


def needs_history(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
                  settings: PlanSettings, readings: Readings | None = None) -> set[str]:
    """IDs of remote packages whose installation history (E8) the plan needs: those matched
    to a selected declared package with an ``install:`` list."""
    selection = Selection(settings.targets, settings.excludes)
    chosen = [s for s in desired if selection.includes(s.name) and s.install]
    if not chosen:
        return set()
    try:
        matches = match_packages(chosen, remote, settings.owner, readings)
    except WfpromoteError:
        return set()  # plan() reports the same problem
    return {m.remote.id for m in matches if m.remote is not None}


def _check_replace_names(desired: Sequence[PackageSpec], selection: Selection,
                         replaces: frozenset[str]) -> None:
    """A --replace NAME that names no selected package would silently do nothing."""
    chosen = [s.name for s in desired if selection.includes(s.name)]
    for name in sorted(replaces):
        if name in chosen:
            continue
        if any(s.name == name for s in desired):
            raise WfpromoteError(f"--replace {name!r}: the package is left out by "
                                 "--target/--exclude",
                                 hint="widen the selection, or drop --replace")
        raise WfpromoteError(
            f"--replace {name!r}: no declared package has this name",
            hint=did_you_mean(name, chosen, noun="names") or
            "give the exact `name:` of a package file (see wfpromote validate)")


def _note_renames(matches: Sequence[Match], managed: Sequence[RemotePackage],
                  draft: _Draft, read: Readings) -> None:
    """A create and a prune with the same content is most likely a rename: say how to keep it."""
    pruned = {a.package_id for a in draft.actions
              if a.kind in (ActionKind.DISABLE, ActionKind.DELETE)}
    by_digest: dict[str, list[RemotePackage]] = {}
    for package in managed:
        if package.id in pruned and (marker := read(package).marker):
            by_digest.setdefault(marker.digest, []).append(package)
    created: dict[str, list[PackageSpec]] = {}
    for match in matches:
        if match.remote is None:
            created.setdefault(match.spec.digest(), []).append(match.spec)
    for digest, specs in sorted(created.items(), key=lambda item: item[1][0].name):
        olds = by_digest.get(digest, [])
        if len(specs) != 1 or len(olds) != 1:
            continue  # only a one-to-one pairing is a believable rename
        (new,), (old,) = specs, olds
        where = f" in {new.origin.file}" if new.origin else ""
        draft.warnings.append(
            f"{new.name!r} declares the same content as {old.name!r} ({old.id}), "
            f"which is no longer declared; if this is a rename, add `id: {old.id}`"
            f"{where} to rename that package in place instead")


def _finish_replace(match: Match, draft: _Draft, read: Readings) -> None:
    """Disable the other live versions an unfinished replace left, whatever ``prune`` says:
    a finished replace would have disabled them too."""
    if not match.leftovers or match.remote is None:
        return
    ids = ", ".join(p.id for p in match.leftovers)
    draft.warnings.append(
        f"package {match.spec.name!r}: an earlier replace did not finish; "
        f"{match.remote.id} is kept and the other live version(s) ({ids}) are disabled, "
        "as that replace would have done")
    for package in match.leftovers:
        # Only once the successor has assembled (whatever its status): if it fails, the old
        # version must still be there, untouched.
        draft.actions.append(Action(
            kind=ActionKind.DISABLE, name=package.name, reason=Reason.SUPERSEDED,
            package_id=package.id, after={"status": "DISABLED"},
            before=_before(package, read(package)),
            successor_id=match.remote.id))


def _plan_installs(match: Match, made: Sequence[Action], settings: PlanSettings,
                   history: Mapping[str, Sequence[Installation]], draft: _Draft) -> None:
    """Installs after the package's own action, in the order of its install list."""
    spec = match.spec
    if not spec.install:
        return
    own = [a for a in made if a.name == spec.name and a.reason is not Reason.SUPERSEDED]
    if not own:
        return  # a conflict: the package is not ours to install
    new_version = any(a.kind in (ActionKind.CREATE, ActionKind.REPLACE) for a in own)
    package = match.remote
    past = history.get(package.id, ()) if package is not None else ()
    draft.actions.extend(plan_installs(spec, package, new_version, past, settings,
                                       _origin(spec)))
    draft.warnings.extend(unique_name_warnings(spec))


def _before(package: RemotePackage, seen: Reading) -> dict[str, object]:
    out: dict[str, object] = {
        "id": package.id, "name": package.name, "description": seen.description,
        "status": seen.status_name}  # raw: the apply engine waits on ASSEMBLING
    if package.source:
        out["source"] = package.source
    return out


def _origin(spec: PackageSpec) -> str | None:
    return f"{spec.origin.file}:{spec.origin.line}" if spec.origin else None


def _plan_declared(match: Match, settings: PlanSettings, draft: _Draft,
                   read: Readings) -> None:
    spec, package = match.spec, match.remote
    if package is None:
        draft.actions.append(_create(spec, settings))
        return
    seen = read(package)
    marker = seen.marker
    owned = marker is not None and marker.owner == settings.owner
    if not owned and not settings.adopt:
        who = f"owner {marker.owner!r}" if marker else "no marker"
        draft.conflicts.append(f"{spec.name!r} (id {package.id}, {who})")
        return
    if seen.status_name == "ASSEMBLING":
        draft.warnings.append(f"package {spec.name!r} is still assembling; compared as DRAFT")
    reason = _replace_reason(spec, package, seen, owned, settings, draft)
    diffs = _field_diffs(spec, package, seen)
    if reason is not None:
        draft.actions.append(_replace(spec, package, seen, reason, diffs, settings, draft))
        return
    patch = {d.path: _patch_value(d, spec, settings) for d in diffs}
    if not owned:
        diffs.append(FieldDiff("ownership", marker.owner if marker else None, settings.owner))
        patch["description"] = bodies.marked_description(spec, settings.owner)
    kind = ActionKind.UPDATE if diffs else ActionKind.NOOP
    why = (Reason.ADOPTED if not owned else Reason.FIELDS_CHANGED) if diffs else \
        Reason.UP_TO_DATE
    draft.actions.append(Action(
        kind=kind, name=spec.name, reason=why, package_id=package.id,
        after=patch or None, before=_before(package, seen), diffs=tuple(diffs),
        source_env=spec.source, origin=_origin(spec)))


def _replace_reason(spec: PackageSpec, package: RemotePackage, seen: Reading,
                    owned: bool, settings: PlanSettings, draft: _Draft) -> Reason | None:
    if seen.status == "ASSEMBLING_FAILED":
        return Reason.ASSEMBLY_FAILED
    if seen.status == "UNASSEMBLED":
        # Saved without assembling (UI "Save and Close"): it never assembles on its own, so
        # waiting would only end at the assembly timeout; it is re-made like a failed one.
        draft.warnings.append(f"package {spec.name!r} ({package.id}) is UNASSEMBLED; "
                              "replacing it with a freshly assembled one")
        return Reason.ASSEMBLY_FAILED
    if spec.name in settings.replaces:
        return Reason.REPLACE_REQUESTED
    if owned:
        return _changed(spec, seen.marker) if seen.marker else None
    same = same_content(spec, package, settings.environments)
    if same is None:
        draft.warnings.append(
            f"cannot compare the content of remote package {spec.name!r} ({package.id}); "
            "adopting it by replacing it")
    return None if same else Reason.CONTENT_CHANGED


def _changed(spec: PackageSpec, marker: Marker) -> Reason | None:
    """Why an owned package's declared content differs from what its marker records: only
    its ``revision`` (a deliberate re-assembly), or the content itself."""
    if marker.digest == spec.digest():
        return None
    if marker.revision != spec.revision:
        earlier = spec.model_copy(update={"revision": marker.revision})
        if earlier.digest() == marker.digest:
            return Reason.REVISION_RAISED
    return Reason.CONTENT_CHANGED


def _field_diffs(spec: PackageSpec, package: RemotePackage, seen: Reading) -> list[FieldDiff]:
    diffs = []
    if spec.id is not None and seen.name != canonical.name(spec.name):
        diffs.append(FieldDiff("name", package.name, spec.name))
    old_text, new_text = seen.description, canonical.description(spec.description)
    if old_text != new_text:
        diffs.append(FieldDiff("description", old_text, new_text))
    old_status = seen.status
    if old_status is not None and old_status != spec.status.value:
        diffs.append(FieldDiff("status", old_status, spec.status.value))
    elif seen.status_name == "ASSEMBLING":
        # Compared as DRAFT, but not yet known to be one: apply waits for the assembly to end
        # (a failure is then found and cleaned up), so a plan is empty only once it is over.
        diffs.append(FieldDiff("status", "ASSEMBLING", spec.status.value))
    return diffs


def _patch_value(diff: FieldDiff, spec: PackageSpec, settings: PlanSettings) -> object:
    if diff.path == "description":  # the marker must survive a PATCH of the description
        return bodies.marked_description(spec, settings.owner)
    return diff.new


def _replace(spec: PackageSpec, package: RemotePackage, seen: Reading, reason: Reason,
             diffs: list[FieldDiff], settings: PlanSettings, draft: _Draft) -> Action:
    marker = seen.marker
    if marker is not None and marker.digest != spec.digest():
        if marker.revision != spec.revision:
            diffs = [FieldDiff("revision", marker.revision, spec.revision, op=DiffOp.CHANGE),
                     *diffs]
        diffs = [FieldDiff("content", marker.digest, spec.digest()),
                 *object_diffs(spec, package.packageEntities),
                 *definition_diffs(spec.definition_content, package.packageEntities,
                                   compare_fields=settings.capabilities.replace_with_put),
                 *diffs]
    elif marker is None:
        diffs = [*object_diffs(spec, package.packageEntities), *diffs]
    if settings.capabilities.replace_with_put:
        strategy = ReplaceStrategy.PUT
        after = bodies.put_body(spec, settings.owner, settings.environments)
    else:
        strategy = ReplaceStrategy.CREATE_THEN_DISABLE
        after = bodies.create_body(spec, settings.owner, settings.environments, False)
        if spec.id is not None:
            draft.warnings.append(
                f"package {spec.name!r} pins id {spec.id}; the replace creates a new package, "
                "so update the `id:` line to the new id after applying")
    status = spec.status.value
    return Action(
        kind=ActionKind.REPLACE, name=spec.name, reason=reason, package_id=package.id,
        after=after, before=_before(package, seen), diffs=tuple(diffs), strategy=strategy,
        source_env=spec.source, origin=_origin(spec),
        desired_status=status if strategy is ReplaceStrategy.CREATE_THEN_DISABLE
        and status != "DRAFT" else None)


def _create(spec: PackageSpec, settings: PlanSettings) -> Action:
    put_definition = settings.capabilities.replace_with_put
    after = bodies.create_body(spec, settings.owner, settings.environments, put_definition)
    return Action(
        kind=ActionKind.CREATE, name=spec.name, reason=Reason.MISSING, after=after,
        source_env=spec.source, origin=_origin(spec),
        desired_status=after.get("desired_status"))


def _plan_prune(package: RemotePackage, settings: PlanSettings, draft: _Draft,
                read: Readings) -> None:
    if settings.prune == "off":
        return
    seen = read(package)
    if settings.prune == "disable":
        if seen.status == "DISABLED":
            return
        kind, after = ActionKind.DISABLE, {"status": "DISABLED"}
    else:
        kind, after = ActionKind.DELETE, None
    draft.actions.append(Action(
        kind=kind, name=package.name, reason=Reason.NOT_DECLARED, package_id=package.id,
        after=after, before=_before(package, seen)))
