"""``wfpromote import``: package files written from the packages that already exist.

List once, read each chosen package (and, where the profile can, its definition), turn each
into a package file, check every file against the schema before anything is written, write
them, then (``--adopt``) plan the written files with ``--adopt`` and apply only what that
plan calls an adoption: the ownership marker. A package whose plan wants more than the marker
is not adopted, since the file would then not describe it.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from reconciler.api.protocol import PromotionAPI
from reconciler.atomic_write import write_atomic
from reconciler.clock import Clock, RealClock
from reconciler.console import printable
from reconciler.desired.sources import is_inside
from reconciler.desired.writer import (
    definition_json,
    modeline,
    package_yaml,
    unique_stems,
)
from reconciler.domain.declared import Config, PackageSpec, Status
from reconciler.domain.objcodes import PROMOTABLE_CODES
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan import canonical
from reconciler.plan.changes import Update
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.object_diff import served_objects, top_level
from reconciler.plan.ownership import Marker, parse_marker
from reconciler.redact import redact

HEADER = "Imported by wfpromote import; from now on, plans are made from this file."
DECLARABLE = tuple(s.value for s in Status)


@dataclass(frozen=True)
class ImportRequest:
    matches: tuple[str, ...] = ()      # fnmatch globs on package names; empty = all
    out: str | None = None             # folder; default: the configuration's packages folder
    adopt: bool = False
    include_all: bool = False          # DISABLED and deleted packages too
    force: bool = False                # overwrite existing files
    allow_simulator: bool = False
    lock_timeout: float | None = None  # --lock-timeout (with --adopt); None: timeouts.lock


@dataclass
class Outcome:
    written: list[tuple[Path, RemotePackage]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # by policy: exit 0
    refused: list[str] = field(default_factory=list)   # needs the user: exit 1


@dataclass(frozen=True)
class Draft:
    """One package about to be written."""

    package: RemotePackage
    doc: dict[str, Any]
    definition: dict[str, Any] | None = None


def run_import(config: Config, request: ImportRequest, *, stdout: TextIO | None = None,
               stderr: TextIO | None = None, clock: Clock | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    root = Path(config.root).resolve()
    folder = Path(request.out) if request.out else Path(config.root) / config.packages
    folder = folder if folder.is_absolute() else Path.cwd() / folder
    if not is_inside(folder.resolve(), root):
        raise WfpromoteError(f"--out {request.out}: the folder is outside the repository "
                             f"({root})", hint="import into the packages folder, or a folder "
                             "under it")
    if request.adopt:
        from reconciler.apply.lock import ApplyLock

        clock = clock or RealClock()
        timeout = config.timeouts.lock if request.lock_timeout is None else request.lock_timeout
        with ApplyLock(config.root, timeout=timeout, clock=clock):
            outcome = asyncio.run(_session(config, request, folder, stdout, clock))
    else:
        outcome = asyncio.run(_session(config, request, folder, stdout, clock))
    for note in outcome.skipped + outcome.refused:
        stderr.write(redact(f"{printable(note)}\n"))
    stdout.write(f"\nImport: {len(outcome.written)} package file(s) written, "
                 f"{len(outcome.skipped) + len(outcome.refused)} package(s) skipped.\n")
    return 1 if outcome.refused else 0


async def _session(config: Config, request: ImportRequest, folder: Path, stdout: TextIO,
                   clock: Clock | None) -> Outcome:
    from reconciler.run.clients import open_clients

    outcome = Outcome()
    async with open_clients(config, allow_simulator=request.allow_simulator,
                            clock=clock) as clients:
        api = clients[config.listing_environment()]
        listed = await api.list_packages()
        chosen = _choose(listed, request, outcome)
        full = await _fetch(api, chosen, config.concurrency)
        drafts = await _drafts(api, config, full, request, outcome)
        files = _place(drafts, folder, config, request, outcome)
        _check(files, config)
        for path, (draft, text, definition) in files.items():
            if definition is not None:
                write_atomic(path.with_name(f"{path.stem}.definition.json"), definition)
            write_atomic(path, text)
            outcome.written.append((path, draft.package))
            stdout.write(redact(f"  + {_shown(path, config)}  {printable(draft.package.name)}"
                                f"  (id {draft.package.id})\n"))
        if request.adopt and outcome.written:
            await _adopt(config, clients, [p for p, _ in outcome.written], outcome, stdout,
                         clock or RealClock(), listed)
    return outcome


def _choose(listed: Sequence[RemotePackage], request: ImportRequest,
            outcome: Outcome) -> list[RemotePackage]:
    chosen = []
    for package in sorted(listed, key=lambda p: (canonical.name(p.name), p.id)):
        if request.matches and not any(fnmatch.fnmatchcase(package.name, glob)
                                       for glob in request.matches):
            continue
        if package.deleted and not request.include_all:
            outcome.skipped.append(f"skipped {package.name!r} ({package.id}): deleted "
                                   "(--all imports it too)")
            continue
        chosen.append(package)
    if request.matches and not chosen and not outcome.skipped:
        raise WfpromoteError(
            f"no package matches {', '.join(repr(m) for m in request.matches)}",
            hint="globs match whole names and are case-sensitive, e.g. --match 'Agency*'")
    return chosen


async def _fetch(api: PromotionAPI, chosen: Sequence[RemotePackage],
                 concurrency: int) -> list[RemotePackage]:
    """Each package once, in full (the listing leaves out source and entities)."""
    from reconciler.run.planning import fetch_details

    return await fetch_details(api, chosen, {p.id for p in chosen}, concurrency)


async def _drafts(api: PromotionAPI, config: Config, packages: Sequence[RemotePackage],
                  request: ImportRequest, outcome: Outcome) -> list[Draft]:
    from reconciler.run.planning import environment_urls

    urls = {canonical.url(url): env for env, url in environment_urls(config).items()}
    by_name: dict[str, list[RemotePackage]] = {}
    for package in packages:
        by_name.setdefault(canonical.name(package.name), []).append(package)
    drafts = []
    longest = _longest_name()
    for package in packages:
        label = f"{_short(package.name)!r} ({package.id})"
        if len(package.name) > longest:
            outcome.refused.append(
                f"not imported {label}: its name has {len(package.name)} characters and a "
                f"package file allows at most {longest} (docs/file-formats.md); shorten it in "
                "Workfront, then import again")
            continue
        status = canonical.status(package.status)
        if status == "DISABLED" and not request.include_all:
            outcome.skipped.append(f"skipped {label}: DISABLED (--all imports it too)")
            continue
        if status not in DECLARABLE:
            outcome.skipped.append(f"skipped {label}: status {status or 'unknown'} cannot be "
                                   "declared; import it once it is DRAFT")
            continue
        twins = [p for p in by_name[canonical.name(package.name)] if p is not package]
        if twins:
            outcome.refused.append(
                f"not imported {label}: {len(twins)} other package(s) have the same name "
                f"({', '.join(p.id for p in twins)}); names are identities in files, so "
                "rename or disable all but one in Workfront, or narrow --match")
            continue
        source = urls.get(canonical.url(package.source or ""))
        if source is None:
            outcome.refused.append(
                f"not imported {label}: its source {package.source or '(none)'!r} is no "
                "environment of wfpromote.yaml; add that environment, then import again")
            continue
        doc: dict[str, Any] = {"name": package.name,
                               "description": canonical.description(package.description),
                               "source": source, "status": status}
        if not doc["description"]:
            del doc["description"]
        definition = None
        marker = parse_marker(package.description)
        recovered = _marked_collections(package, source, marker) if marker else None
        if recovered is not None and marker is not None:
            # Made by a wfpromote: the objects its marker's digest was computed from.
            doc["objectCollections"] = recovered
            if marker.revision is not None:
                doc["revision"] = marker.revision
        elif api.capabilities.read_definition:
            definition = await api.get_definition(package.id)
            doc["definition"] = ""  # named once the file name is known
        else:
            doc["objectCollections"] = object_collections(package.packageEntities or {})
        if not (definition or doc.get("objectCollections")):
            outcome.refused.append(f"not imported {label}: it holds no promotable objects")
            continue
        if marker is not None and marker.owner != config.owner:
            outcome.skipped.append(f"note: {label} carries the marker of owner "
                                   f"{marker.owner!r}; --adopt takes it over")
        drafts.append(Draft(package, doc, definition))
    return drafts


def _longest_name() -> int:
    """The schema's bound on a package name: a longer one could not be written to a file."""
    from reconciler.desired.schemas import load_schema

    return int(load_schema("package")["properties"]["name"]["maxLength"])


def _short(name: str) -> str:
    return name if len(name) <= 80 else name[:77] + "..."


MAX_UNSURE = 12  # objects that may be sub-objects: up to 2**12 digests are tried


def _marked_collections(package: RemotePackage, source: str,
                        marker: Marker) -> list[dict[str, Any]] | None:
    """The collections whose digest is the one the package's marker records, if any.

    The served entities cannot tell an object the package named from one that came with its
    parent (a dashboard's report); the marker's digest can. Every choice of those unsure
    objects is tried, the fullest first; None when none matches (the files were by value,
    or the package was changed since).
    """
    everything = object_collections(package.packageEntities or {})
    named = top_level(served_objects(package.packageEntities))
    unsure = [(c["objCode"], e) for c in everything for e in c["entities"]
              if e["ID"].lower() not in named.get(c["objCode"], {})]
    if len(unsure) > MAX_UNSURE:
        return None
    for size in range(len(unsure), -1, -1):
        for dropped in itertools.combinations(range(len(unsure)), len(unsure) - size):
            left_out = {(unsure[i][0], unsure[i][1]["ID"]) for i in dropped}
            collections = [
                {"objCode": c["objCode"],
                 "entities": [e for e in c["entities"] if (c["objCode"], e["ID"]) not in left_out]}
                for c in everything]
            collections = [c for c in collections if c["entities"]]
            if not collections:
                continue
            spec = PackageSpec.model_validate({
                "name": package.name or "unnamed", "source": source,
                "objectCollections": collections, "revision": marker.revision})
            if spec.digest() == marker.digest:
                return collections
    return None


def object_collections(entities: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The promotable objects of a served package, as ``objectCollections``.

    Sub-object codes (TTSK, TPRED, PARAMOPT, ...) are left to the service's assembly. Every
    object of a promotable code is kept, also one that came with its parent (a dashboard's
    report): the summaries do not say which, and naming it again assembles the same package.
    """
    upper = {str(code).upper(): records for code, records in entities.items()}
    out = []
    for code in PROMOTABLE_CODES:
        seen: dict[str, dict[str, str]] = {}
        for record in upper.get(code) or ():
            if not isinstance(record, dict):
                continue
            ident = str(record.get("ID") or record.get("id") or "").strip()
            if len(ident) != 32 or ident.lower() in seen:
                continue
            entity = {"ID": ident}
            name = record.get("name")
            if isinstance(name, str) and name.strip() and name != "null":
                entity["name"] = name
            seen[ident.lower()] = entity
        if seen:
            ordered = sorted(seen.values(), key=lambda e: (e.get("name", "").lower(), e["ID"]))
            out.append({"objCode": code, "entities": ordered})
    return out


def _place(drafts: Sequence[Draft], folder: Path, config: Config, request: ImportRequest,
           outcome: Outcome) -> dict[Path, tuple[Draft, str, str | None]]:
    """File name and text of each draft; existing files are kept unless --force."""
    declared = _declared_elsewhere(config)
    stems = unique_stems((d.package.id, d.package.name) for d in drafts)
    root = Path(config.root).resolve()
    out: dict[Path, tuple[Draft, str, str | None]] = {}
    for draft in drafts:
        path = folder / f"{stems[draft.package.id]}.yaml"
        label = f"{draft.package.name!r} ({draft.package.id})"
        where = declared.get(canonical.name(draft.package.name))
        if where is not None and where.resolve() != path.resolve():
            outcome.skipped.append(f"skipped {label}: already declared in "
                                   f"{_shown(where, config)}")
            continue
        doc, definition = dict(draft.doc), None
        if draft.definition is not None:
            doc["definition"] = f"{path.stem}.definition.json"
            definition = definition_json(draft.definition)
        targets = [path] + ([path.with_name(doc["definition"])] if definition else [])
        existing = [p for p in targets if p.exists()]
        if existing and not request.force:
            outcome.refused.append(f"not imported {label}: {_shown(existing[0], config)} "
                                   "exists (--force overwrites it)")
            continue
        header = [modeline(path.resolve(), root), f"# {HEADER}"]
        out[path] = (draft, package_yaml(doc, header=header), definition)
    return out


def _declared_elsewhere(config: Config) -> dict[str, Path]:
    """Declared package name -> its file (best effort: broken files are skipped)."""
    from reconciler.desired.loader import collect
    from reconciler.run.settings import load_settings

    try:
        specs, _, _ = collect(load_settings(config))
    except WfpromoteError:
        return {}
    root = Path(config.root)
    return {canonical.name(s.name): (root / s.origin.file if not Path(s.origin.file)
                                     .is_absolute() else Path(s.origin.file))
            for s in specs if s.origin is not None}


def _check(files: Mapping[Path, tuple[Draft, str, str | None]], config: Config) -> None:
    """Every file valid against the package schema before any is written."""
    from reconciler.desired.schemas import problems_from_schema
    from reconciler.desired.sources import parse_yaml
    from reconciler.errors import ValidationFailed

    problems = []
    for path, (_, text, _) in files.items():
        shown = _shown(path, config)
        for doc in parse_yaml(text, shown):
            problems += problems_from_schema("package", doc)
    if problems:
        raise ValidationFailed(problems)


async def _adopt(config: Config, clients: Mapping[str, PromotionAPI], paths: list[Path],
                 outcome: Outcome, stdout: TextIO, clock: Clock,
                 listed: Sequence[RemotePackage]) -> None:
    """Plan the written files with --adopt on the import's listing (importing wrote only
    files); apply only the adoptions (the marker)."""
    from reconciler.desired.loader import load_packages
    from reconciler.run.planning import PlanOptions, build_plan
    from reconciler.run.settings import load_settings

    shown = [str(p) for p in paths]
    specs = load_packages(load_settings(config), shown)
    plan = await build_plan(config, specs, clients, PlanOptions(adopt=True, paths=tuple(shown)),
                            clock, listed)
    adopted = managed = 0
    for action in plan.actions:
        if action.kind is ActionKind.NOOP:
            managed += 1
            continue
        change = action.change
        only_marker = (isinstance(change, Update) and action.reason is Reason.ADOPTED
                       and [d.path for d in action.diffs] == ["ownership"])
        if not isinstance(change, Update) or not only_marker or action.package_id is None:
            outcome.refused.append(
                f"not adopted {action.name!r}: its plan is {action.kind.value} "
                f"({action.reason.value}), not only the ownership marker; run wfpromote plan "
                "--adopt to see why")
            continue
        api = clients.get(action.source_env or "") or clients[config.listing_environment()]
        await api.patch_package(action.package_id, change.fields())
        adopted += 1
        stdout.write(redact(f"  ~ {printable(action.name)}  adopted (owner {config.owner})\n"))
    note = f"; {managed} already carried this owner's marker" if managed else ""
    stdout.write(f"Adopted {adopted} package(s){note}.\n")


def _shown(path: Path, config: Config) -> str:
    try:
        return Path(path).resolve().relative_to(Path(config.root).resolve()).as_posix()
    except ValueError:
        return str(path)
