"""The pure planning core: declared packages + a remote snapshot + settings in, a Plan out.

No HTTP, no files, no click: everything it needs is in its arguments, so it is fast and
testable. One run is two steps: ``prepare.prepare`` selects and matches once and says what
to fetch; ``plan_prepared`` makes the plan over what was fetched. The pipeline
(``reconciler.run.planning``) does the I/O between them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import Installation, RemotePackage, environment_key
from reconciler.domain.statuses import installation_phase
from reconciler.errors import UnsafePlan
from reconciler.plan import bodies, canonical, fingerprint, rollback, safety
from reconciler.plan.changes import (
    Change,
    Create,
    Delete,
    Disable,
    Earlier,
    Install,
    NoOp,
    RemoteState,
    Replace,
    Rollback,
    Update,
)
from reconciler.plan.content import same_content
from reconciler.plan.definition_diff import definition_diffs
from reconciler.plan.identity import Match, oldest_first
from reconciler.plan.installs import plan_installs, prior_installations, unique_name_warnings
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
from reconciler.plan.ownership import Marker, environment_key_short
from reconciler.plan.prepare import Preparation, prepare
from reconciler.plan.readings import Reading, Readings
from reconciler.plan.settings import PlanSettings


@dataclass
class _Draft:
    """What planning one run accumulates before it becomes a Plan."""

    actions: list[Action] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan(desired: Sequence[PackageSpec], remote: Sequence[RemotePackage],
         settings: PlanSettings,
         installations: Mapping[str, Sequence[Installation]] | None = None) -> Plan:
    """The plan of ``desired`` against ``remote`` taken as complete records (nothing is
    fetched): :func:`~reconciler.plan.prepare.prepare`, then :func:`plan_prepared`."""
    return plan_prepared(prepare(desired, remote, settings), installations)


def plan_prepared(prepared: Preparation,
                  installations: Mapping[str, Sequence[Installation]] | None = None) -> Plan:
    """The plan of a prepared run. ``installations`` is the history (E8) per remote package
    ID, fetched for ``prepared.histories``; a package missing from it has no installs yet."""
    survey, settings, read = prepared.surveyed(), prepared.settings, prepared.readings
    history = installations or {}
    verdict = safety.check_not_empty(len(prepared.desired), len(survey.managed), settings)
    draft = _Draft()
    in_scope = {canonical.name(s.name) for s in prepared.desired}
    for package in survey.failed:
        # Within the run's scope: the whole folder, or a name the given PATHS declare.
        if package.id in prepared.selected and (
                settings.complete_scope or canonical.name(package.name) in in_scope):
            _plan_cleanup(package, draft, read)
    kept: set[str] = set()   # the two versions a widened match's rollback acts on
    for listed in survey.matches:
        widened = listed
        if listed.spec.name not in settings.replaces and \
                not rollback.impossible(settings.capabilities):
            widened = rollback.widen(listed, survey.managed, settings.owner, read)
        match = _keep_installed(widened, history)
        found = match.remote
        past = history.get(found.id, ()) if found is not None else ()
        earlier = rollback.choose(rollback.candidates(match, settings.owner, read), history) \
            if match.spec.name not in settings.replaces else None
        reused = _reuse(match, earlier, history, settings, read)
        if widened is not listed and earlier is not None and match.remote is not None:
            # Only these two: the other versions a pin or a prune left are pruned as before.
            kept.update((match.remote.id, earlier.id))
            if match.remote is listed.remote:
                draft.warnings.append(_move_the_pin(match.spec, earlier))
        own = _plan_declared(match, settings, draft, read, past, earlier, history, reused)
        _finish_replace(match, draft, read)
        _retire_twins(match, draft, read)
        if own is not None and match.spec.install:
            draft.actions.extend(_installs(match, own, earlier, reused, settings, read,
                                           history))
            draft.warnings.extend(unique_name_warnings(match.spec))
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
    claimed = kept | {r.id for m in survey.matches
                      for r in ((m.remote,) if m.remote else ()) + m.superseded + m.leftovers
                      + m.twins}
    unclaimed = [p for p in survey.managed if p.id not in claimed and p.id in prepared.selected]
    scope = Scope()
    if settings.complete_scope:
        for package in unclaimed:
            _plan_prune(package, settings, draft, read)
    else:
        # Declared elsewhere or not at all: this run cannot tell, so it leaves them alone.
        scope = Scope(complete=False, out_of_scope=len(unclaimed),
                      reason=settings.scope_reason or "PATHS do not cover the packages folder")
    _note_renames(survey.matches, survey.managed, draft, read)
    actions = sorted(draft.actions, key=Action.sort_key)
    draft.warnings.extend(overwrite_notice(a) for a in
                          safety.production_overwrites(actions, settings))
    if verdict is None or verdict.allowed:
        # --allow-empty consents to removing everything: the threshold does not ask again.
        verdict = verdict or safety.check_threshold(actions, len(survey.managed), settings)
    if (warning := prepared.selection.warning()) is not None:
        draft.warnings[:0] = [warning, *prepared.selection.unmatched(
            [s.name for s in prepared.desired] + [r.name for r in survey.managed])]
    # Every matched package is touched: its action (conflicts raised above) names its id.
    touched = [a.package_id for a in actions if a.package_id]
    created = [a.name for a in actions if a.kind is ActionKind.CREATE]
    return Plan(
        actions=tuple(actions), owner=settings.owner, profile=settings.profile,
        desired_digest=settings.desired_digest,
        remote_fingerprints=fingerprint.compute([*survey.remote, *survey.failed],
                                                settings.owner, touched, created, read),
        warnings=tuple(draft.warnings), scope=scope, verdict=verdict)


def _move_the_pin(spec: PackageSpec, earlier: RemotePackage) -> str:
    """The word for a pin that names the version a rollback retires."""
    where = f" in {spec.origin.file}" if spec.origin else ""
    return (f"package {spec.name!r} pins id {spec.id}, the version this rollback retires; "
            f"it re-uses {earlier.id}: change the line to `id: {earlier.id}`{where}")


def _installs(match: Match, own: Action, earlier: RemotePackage | None,
              reused: tuple[frozenset[str], frozenset[str]], settings: PlanSettings,
              read: Readings,
              history: Mapping[str, Sequence[Installation]]) -> list[Action]:
    """The install actions of a matched package, after its own action ``own``. A rollback's
    installs are of the earlier version it re-uses, and overwrite; so are the later installs
    of a package a rollback re-used, into the environments its marker's ``rollback`` names."""
    spec, found = match.spec, match.remote
    if isinstance(own.change, Rollback) and earlier is not None:
        past = history.get(earlier.id, ())
        return plan_installs(spec, earlier, False, past, settings, _origin(spec),
                             reused[0], overwrite=_overwriting(reused[1], settings),
                             because=Reason.ROLLBACK)
    new_version = own.kind in (ActionKind.CREATE, ActionKind.REPLACE)
    marker = read(found).marker if found is not None else None
    past = history.get(found.id, ()) if found is not None else ()
    overwriting = _overwriting(marker.rollback, settings) \
        if not new_version and marker is not None else frozenset()
    return plan_installs(spec, found, new_version, past, settings, _origin(spec),
                         marker.prior if marker else frozenset(), overwrite=overwriting)


def _reuse(match: Match, earlier: RemotePackage | None,
           history: Mapping[str, Sequence[Installation]], settings: PlanSettings,
           read: Readings) -> tuple[frozenset[str], frozenset[str]]:
    """What a rollback to ``earlier`` writes into its marker: as ``prior``, its installations
    into the environments a later version went to since (the targets hold that content now)
    and what its marker listed already; as ``rollback``, the keys of those environments,
    where its installs overwrite. Elsewhere its installation stands."""
    if earlier is None or match.remote is None:
        return frozenset(), frozenset()
    later = rollback.later_versions(match, earlier, settings.owner, read)
    since = rollback.reached([history.get(p.id, ()) for p in later])
    marker = read(earlier).marker
    prior = rollback.overtaken(history.get(earlier.id, ()), since) | \
        (marker.prior if marker else frozenset())
    envs = frozenset(environment_key_short(url) for url in settings.environments.values()
                     if environment_key(url) in since)
    return prior, envs


def _overwriting(keys: frozenset[str], settings: PlanSettings) -> frozenset[str]:
    """The environment names whose keys a marker's ``rollback`` lists (none where the API
    has no OVERWRITING)."""
    if not keys or rollback.impossible(settings.capabilities) is not None:
        return frozenset()
    return frozenset(name for name, url in settings.environments.items()
                     if environment_key_short(url) in keys)


def overwrite_notice(action: Action) -> str:
    """What a plan without a pre-run can say about an install that overwrites records in
    production: the declared intent; which records, only the pre-run knows."""
    change = action.change
    assert isinstance(change, Install)
    named = sorted(f"{code} {sid}" for code, records in change.overrides.items()
                   for sid, what in records.items() if str(what).upper() == "OVERWRITING")
    what = []
    if change.existing == "overwrite":
        why = "a rollback" if change.declared_existing is not None else "existing: overwrite"
        what.append(f"every record the pre-run matches in {change.environment} ({why})")
    if named:
        what.append("the records named OVERWRITING: " + ", ".join(named))
    return (f"install of {action.name!r} into production environment "
            f"{change.environment!r} overwrites {' and '.join(what)}; `plan --prerun` lists "
            "them by objCode and name, and apply lists them before installing")


def _plan_cleanup(package: RemotePackage, draft: _Draft, read: Readings) -> None:
    reason = failure_reason(package)
    draft.warnings.append(
        f"package {package.name!r} ({package.id}) failed to assemble"
        f"{': ' + reason if reason else ''}; it was never usable and is deleted")
    draft.actions.append(Action(
        name=package.name, reason=Reason.ASSEMBLY_FAILED, package_id=package.id,
        change=Delete(_before(package, read(package)))))


def failure_reason(package: RemotePackage) -> str:
    """What the service said about a failed assembly, as far as it says anything."""
    extra = package.model_extra or {}
    for key in ("failureReason", "reason", "error", "message", "statusMessage"):
        value = extra.get(key)
        if value:
            return str(value)
    return ""


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
    # Only once the successor has assembled (whatever its status): if it fails, the old
    # version must still be there, untouched.
    _disable_for(match.leftovers, match.remote, Reason.SUPERSEDED, draft, read)


def _installed(package: RemotePackage,
               history: Mapping[str, Sequence[Installation]]) -> bool:
    return any(installation_phase(i.status) == "succeeded" for i in history.get(package.id, ()))


def _keep_installed(match: Match, history: Mapping[str, Sequence[Installation]]) -> Match:
    """Of a set of duplicates, the one kept is an installed one, else the oldest (the match
    already is the oldest)."""
    if not match.twins or match.remote is None or _installed(match.remote, history):
        return match
    installed = [t for t in match.twins if _installed(t, history)]
    if not installed:
        return match
    keep = sorted(installed, key=oldest_first)[0]
    rest = tuple(sorted((match.remote, *(t for t in match.twins if t is not keep)),
                        key=oldest_first))
    return replace(match, remote=keep, twins=rest)


def _retire_twins(match: Match, draft: _Draft, read: Readings) -> None:
    """Duplicates of the matched package (same owner, name and content digest: a create
    whose lost POST was committed after all) are disabled once the kept one is usable."""
    if not match.twins or match.remote is None:
        return
    ids = ", ".join(p.id for p in match.twins)
    draft.warnings.append(
        f"package {match.spec.name!r}: duplicate live package(s) {ids} carry the same content "
        f"as {match.remote.id} (a create committed twice); {match.remote.id} is kept and the "
        "duplicate(s) are disabled")
    _disable_for(match.twins, match.remote, Reason.DUPLICATE, draft, read)


def _disable_for(packages: Sequence[RemotePackage], kept: RemotePackage, reason: Reason,
                 draft: _Draft, read: Readings) -> None:
    """Disable ``packages`` in favour of ``kept`` (the engine waits for it to be usable)."""
    for package in packages:
        draft.actions.append(Action(
            name=package.name, reason=reason, package_id=package.id,
            change=Disable(_before(package, read(package)), successor_id=kept.id)))


def _before(package: RemotePackage, seen: Reading) -> RemoteState:
    # The status as reported: the apply engine waits on ASSEMBLING.
    return RemoteState(id=package.id, name=package.name, description=seen.description,
                       status=seen.status_name, source=package.source or None)


def _origin(spec: PackageSpec) -> str | None:
    return f"{spec.origin.file}:{spec.origin.line}" if spec.origin else None


def _plan_declared(match: Match, settings: PlanSettings, draft: _Draft,
                   read: Readings, history: Sequence[Installation] = (),
                   earlier: RemotePackage | None = None,
                   histories: Mapping[str, Sequence[Installation]] | None = None,
                   reused: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
                   ) -> Action | None:
    """The declared package's own action (None: a conflict, reported with the others).
    ``earlier``: an earlier version of ours holding the declared content (a rollback)."""
    spec, package = match.spec, match.remote
    if package is None:
        return _add(draft, _create(spec, settings))
    seen = read(package)
    marker = seen.marker
    owned = marker is not None and marker.owner == settings.owner
    if not owned and not settings.adopt:
        who = f"owner {marker.owner!r}" if marker else "no marker"
        draft.conflicts.append(f"{spec.name!r} (id {package.id}, {who})")
        return None
    if seen.status_name == "ASSEMBLING":
        draft.warnings.append(f"package {spec.name!r} is still assembling; compared as DRAFT")
    reason = _replace_reason(spec, package, seen, owned, settings, draft)
    diffs = _field_diffs(spec, package, seen)
    if earlier is not None and reason in (Reason.CONTENT_CHANGED, Reason.REVISION_RAISED):
        why = rollback.impossible(settings.capabilities)
        if why is None:
            past = (histories or {}).get(earlier.id, ())
            return _add(draft, _rollback(spec, package, seen, earlier, diffs, settings, read,
                                         past, reused))
        draft.warnings.append(_no_rollback(spec, earlier, why, settings))
    if reason is not None:
        return _add(draft, _replace(spec, package, seen, reason, diffs, settings, draft,
                                    history))
    before = _before(package, seen)
    change: Change = NoOp(before)
    patch = {d.path: d.new for d in diffs}
    if not owned:
        diffs.append(FieldDiff("ownership", marker.owner if marker else None, settings.owner))
    if diffs:
        # The marker keeps what it records of earlier content (``prior``).
        description = bodies.marked_description(
            spec, settings.owner, marker.prior if owned and marker else frozenset(),
            rollback=marker.rollback if owned and marker is not None else frozenset()) \
            if "description" in patch or not owned else None
        change = Update(before, name=patch.get("name"), description=description,
                        status=patch.get("status"))
    why = (Reason.ADOPTED if not owned else Reason.FIELDS_CHANGED) if diffs else \
        Reason.UP_TO_DATE
    return _add(draft, Action(
        name=spec.name, reason=why, package_id=package.id, change=change,
        diffs=tuple(diffs), source_env=spec.source, origin=_origin(spec)))


def _add(draft: _Draft, action: Action) -> Action:
    draft.actions.append(action)
    return action


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


def _content_diffs(spec: PackageSpec, package: RemotePackage, seen: Reading,
                   diffs: list[FieldDiff], settings: PlanSettings) -> list[FieldDiff]:
    """``diffs`` with what changes in the content: digest, revision, object by object."""
    marker = seen.marker
    if marker is not None and marker.digest != spec.digest():
        if marker.revision != spec.revision:
            diffs = [FieldDiff("revision", marker.revision, spec.revision, op=DiffOp.CHANGE),
                     *diffs]
        return [FieldDiff("content", marker.digest, spec.digest()),
                *object_diffs(spec, package.packageEntities),
                *definition_diffs(spec.definition_content, package.packageEntities,
                                  compare_fields=settings.capabilities.replace_with_put),
                *diffs]
    if marker is None:
        return [*object_diffs(spec, package.packageEntities), *diffs]
    return diffs


def _rollback(spec: PackageSpec, package: RemotePackage, seen: Reading,
              earlier: RemotePackage, diffs: list[FieldDiff], settings: PlanSettings,
              read: Readings, past: Sequence[Installation],
              reused: tuple[frozenset[str], frozenset[str]]) -> Action:
    """Re-use ``earlier`` (DISABLED, holding the declared content) in place of ``package``;
    docs/rollback.md."""
    facts = Earlier(_before(earlier, read(earlier)), assembled=earlier.createdAt,
                    installed=rollback.installed_in(past, settings.environments),
                    until=earlier.retiredAt, records=rollback.records(earlier))
    description = bodies.marked_description(spec, settings.owner, reused[0],
                                            rollback=reused[1])
    change = Rollback(_before(package, seen), facts, status=spec.status.value,
                      description=description,
                      fallback=bodies.package_body(spec, settings.owner,
                                                   settings.environments, False))
    return Action(name=spec.name, reason=Reason.ROLLBACK, package_id=package.id,
                  change=change, diffs=tuple(_content_diffs(spec, package, seen, diffs,
                                                            settings)),
                  source_env=spec.source, origin=_origin(spec))


def _no_rollback(spec: PackageSpec, earlier: RemotePackage, why: str,
                 settings: PlanSettings) -> str:
    """What the plan says when the declared content is an earlier version's that cannot be
    re-used (the profile has no OVERWRITING), and what it does instead."""
    instead = ("its declared definition is written again (PUT): a rollback by definition, "
               "installed as `existing:` declares"
               if settings.capabilities.replace_with_put and spec.definition_content is not None
               else "it is assembled again from today's sandbox, which may have changed since")
    assembled = rollback.day(earlier.createdAt)
    return (f"package {spec.name!r}: the declared content is what the earlier package "
            f"{earlier.id}{f' (assembled {assembled})' if assembled else ''} holds, but a "
            f"rollback that re-uses it is not possible under api: {settings.profile}: {why}; "
            f"instead {instead}")


def _replace(spec: PackageSpec, package: RemotePackage, seen: Reading, reason: Reason,
             diffs: list[FieldDiff], settings: PlanSettings, draft: _Draft,
             history: Sequence[Installation] = ()) -> Action:
    marker = seen.marker
    diffs = _content_diffs(spec, package, seen, diffs, settings)
    if settings.capabilities.replace_with_put and spec.definition_content is not None:
        # A PUT writes a definition by value without assembling: nothing can fail half-way.
        # Content by reference must be assembled, and an assembly in place that fails would
        # leave no usable version: it is made as a new package, the old one retired only
        # once the new one is usable (docs/apply.md, "Replace under 2023").
        strategy = ReplaceStrategy.PUT
        # The package keeps its id (and, under 2023, its version): the marker lists the
        # installations it already has, which hold earlier content.
        prior = prior_installations(history) | (marker.prior if marker else frozenset())
        body = bodies.put_package_body(spec, settings.owner, settings.environments, prior)
    else:
        strategy = ReplaceStrategy.CREATE_THEN_DISABLE
        body = bodies.package_body(spec, settings.owner, settings.environments, False)
        if spec.id is not None:
            draft.warnings.append(
                f"package {spec.name!r} pins id {spec.id}; the replace creates a new package, "
                "so update the `id:` line to the new id after applying")
    return Action(
        name=spec.name, reason=reason, package_id=package.id,
        change=Replace(_before(package, seen), body, strategy), diffs=tuple(diffs),
        source_env=spec.source, origin=_origin(spec))


def _create(spec: PackageSpec, settings: PlanSettings) -> Action:
    body = bodies.package_body(spec, settings.owner, settings.environments,
                               settings.capabilities.replace_with_put)
    return Action(name=spec.name, reason=Reason.MISSING, change=Create(body),
                  source_env=spec.source, origin=_origin(spec))


def _plan_prune(package: RemotePackage, settings: PlanSettings, draft: _Draft,
                read: Readings) -> None:
    if settings.prune == "off":
        return
    seen = read(package)
    before = _before(package, seen)
    if settings.prune == "disable":
        if seen.status == "DISABLED":
            return
        change: Change = Disable(before)
    else:
        change = Delete(before)
    draft.actions.append(Action(name=package.name, reason=Reason.NOT_DECLARED,
                                package_id=package.id, change=change))
