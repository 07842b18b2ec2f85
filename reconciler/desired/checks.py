"""Checks that need more than one document, or the configuration: the things a schema can't say.

Pure: declared packages (with the documents they came from, for positions) and the part of
the configuration the loader gets (``LoadSettings``) in, problems out.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.desired.settings import LoadSettings
from reconciler.desired.sources import Document
from reconciler.domain.declared import MAX_SOAK_SECONDS, PackageSpec
from reconciler.domain.profiles import PROFILES
from reconciler.errors import Problem
from reconciler.plan import canonical
from reconciler.suggest import did_you_mean

Declared = tuple[PackageSpec, Document]


def check_all(settings: LoadSettings, declared: Sequence[Declared]) -> list[Problem]:
    problems = _duplicates(declared)
    for spec, doc in declared:
        problems += _environments(settings, spec, doc)
        problems += _install_order(settings, spec, doc)
        problems += _entity_ids(spec, doc)
        problems += _profile_actions(settings, spec, doc)
    return problems


def _where(doc: Document) -> str:
    return f"{doc.file}:{doc.line}"


def _duplicates(declared: Sequence[Declared]) -> list[Problem]:
    """Names (and pinned ids) identify packages, so each may be declared once.

    Names are compared as the planner matches them (``canonical.name``: NFC-normalised,
    trimmed): two spellings of one name would both match the same remote package."""
    problems = []
    for field in ("name", "id"):
        first: dict[str, tuple[str, Document]] = {}
        for spec, doc in declared:
            value = getattr(spec, field)
            if value is None:
                continue
            key = value.lower() if field == "id" else canonical.name(value)
            if key not in first:
                first[key] = (value, doc)
                continue
            earlier, where = first[key]
            message = (f"package {field} '{value}' is declared twice: at {_where(where)} "
                       f"and at {_where(doc)}")
            hint = ("give each package its own name" if field == "name" else
                    "a remote package can be pinned by one declaration only")
            if field == "name" and earlier != value:
                message += (f" (written {earlier!a} and {value!a}: the same name "
                            "once Unicode-normalised (NFC) and trimmed)")
                hint = ("give each package its own name; names that differ only in how a "
                        "character is composed (é as one character, or e and a combining "
                        "accent) or in surrounding blanks are one name")
            problems.append(Problem(message, doc.location((field,)), hint))
    return problems


def _unknown_env(settings: LoadSettings, name: str, doc: Document, path: tuple[str | int, ...],
                 role: str) -> Problem:
    return Problem(f"{role} environment '{name}' is not in {settings.path}", doc.location(path),
                   did_you_mean(name, settings.environments, noun="environments"))


def _environments(settings: LoadSettings, spec: PackageSpec, doc: Document) -> list[Problem]:
    problems = []
    if spec.source not in settings.environments:
        problems.append(_unknown_env(settings, spec.source, doc, ("source",), "source"))
    for i, step in enumerate(spec.install):
        # The status gates (production needs ACTIVE, ...) are checked by the plan, which
        # shows such an install as blocked instead of refusing every other change.
        if step.environment not in settings.environments:
            problems.append(_unknown_env(settings, step.environment, doc,
                                         ("install", i, "environment"), "install"))
    return problems


def _install_order(settings: LoadSettings, spec: PackageSpec, doc: Document) -> list[Problem]:
    """`after:` gates name environments installed earlier in the same list."""
    problems = []
    earlier: list[str] = []
    order = [step.environment for step in spec.install]
    for i, step in enumerate(spec.install):
        later = order[i + 1:]
        if step.environment in earlier:
            problems.append(Problem(f"environment '{step.environment}' is installed twice",
                                    doc.location(("install", i, "environment")),
                                    "one install step per environment"))
        for j, gate in enumerate(step.after):
            if gate not in earlier:
                problems.append(Problem(
                    f"'after: {gate}' names an environment not installed earlier in this "
                    "package's install list", doc.location(("install", i, "after", j)),
                    f"'{gate}' is installed after '{step.environment}' in this list: move "
                    f"the gate, i.e. drop it here and write 'after: [{step.environment}]' "
                    f"on the '{gate}' step"
                    if gate in later
                    else f"add an install step for '{gate}' before '{step.environment}'"
                    if gate in settings.environments and gate != step.environment
                    else "an environment cannot gate its own install"
                    if gate == step.environment
                    else did_you_mean(gate, earlier, noun="earlier environments")
                    or did_you_mean(gate, settings.environments, noun="environments")))
        for gate, seconds in step.soaks.items():
            if seconds > MAX_SOAK_SECONDS:
                j = step.after.index(gate)
                problems.append(Problem(
                    f"'soak' of 'after: {gate}' is longer than a year",
                    doc.location(("install", i, "after", j, "soak")),
                    "write at most 365d; a longer wait is not a soak but a hold: leave the "
                    "install out until then"))
        earlier.append(step.environment)
    return problems


def _entity_ids(spec: PackageSpec, doc: Document) -> list[Problem]:
    problems = []
    for c, collection in enumerate(spec.objectCollections or ()):
        seen: dict[str, int] = {}
        for e, entity in enumerate(collection.entities):
            key = entity.ID.lower()
            if key in seen:
                problems.append(Problem(
                    f"{collection.objCode} entity {entity.ID} is listed twice (also entity "
                    f"{seen[key]})", doc.location(("objectCollections", c, "entities", e, "ID")),
                    "remove the repeated entity"))
            else:
                seen[key] = e
    return problems


def _profile_actions(settings: LoadSettings, spec: PackageSpec, doc: Document) -> list[Problem]:
    """Install actions the configured API profile does not have (``existing: overwrite``
    sends OVERWRITING), refused with the profile's reason: the service would reject them."""
    profile = PROFILES.get(settings.api)
    if profile is None:
        return []
    caps = profile.capabilities
    reason = caps.missing_actions_reason or "the API profile does not offer it"
    hint = (f"under `api: {profile.name}` use `existing: use` and overrides of "
            f"{', '.join(sorted(caps.map_actions))}; or set `api: current` in "
            f"{settings.path} if the service is the current one")
    problems = []
    for i, step in enumerate(spec.install):
        if step.existing == "overwrite" and "OVERWRITING" not in caps.map_actions:
            problems.append(Problem(
                f"install into '{step.environment}': `existing: overwrite` sends OVERWRITING, "
                f"which `api: {profile.name}` does not have; {reason}",
                doc.location(("install", i, "existing")), hint))
        for code, records in step.overrides.items():
            for source_id, action in records.items():
                if action not in caps.map_actions:
                    problems.append(Problem(
                        f"install into '{step.environment}': override {code} {source_id}: "
                        f"{action}, which `api: {profile.name}` does not have; {reason}",
                        doc.location(("install", i, "overrides", code, source_id)), hint))
    return problems
