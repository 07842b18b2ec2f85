"""The package bodies creates and replaces carry (``changes.PackageBody``), made from a
declared package: the marker in the description, the source environment's URL, the content
by reference (``objectCollections``) and, when declared by value, the definition."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import replace
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.errors import WfpromoteError
from reconciler.plan.changes import PackageBody
from reconciler.plan.ownership import with_marker


def source_url(spec: PackageSpec, environments: Mapping[str, str]) -> str:
    try:
        return environments[spec.source]
    except KeyError:
        known = ", ".join(sorted(environments)) or "none"
        raise WfpromoteError(
            f"package {spec.name!r} has source {spec.source!r}, which is not a configured "
            f"environment (known: {known})",
            hint="use an environment name from wfpromote.yaml") from None


def marked_description(spec: PackageSpec, owner: str, prior: Set[str] = frozenset(),
                       rollback: Set[str] = frozenset()) -> str:
    """The description to send: the declared text and this owner's marker for ``spec``
    (``prior``: keys of installations of earlier content; ``rollback``: the keys of the
    environments a rollback re-installs it into; see ``plan.ownership``)."""
    return with_marker(spec.description, owner, spec.digest(), spec.revision, prior, rollback)


def object_collections(spec: PackageSpec) -> list[dict[str, Any]]:
    """The declared collections; a definition's records are listed by reference instead."""
    if spec.objectCollections is not None:
        return [{"objCode": c.objCode,
                 "entities": [{"ID": e.ID, **({"name": e.name} if e.name else {})}
                              for e in c.entities]}
                for c in spec.objectCollections]
    collections = []
    for code, records in sorted((spec.definition_content or {}).items()):
        entities = []
        for record in records if isinstance(records, list) else ():
            if isinstance(record, dict) and (record.get("ID") or record.get("id")):
                entity = {"ID": str(record.get("ID") or record.get("id"))}
                if record.get("name"):
                    entity["name"] = str(record["name"])
                entities.append(entity)
        if entities:
            collections.append({"objCode": code, "entities": entities})
    return collections


def package_body(spec: PackageSpec, owner: str, environments: Mapping[str, str],
                 with_definition: bool, prior: Set[str] = frozenset()) -> PackageBody:
    """What a create or a replace of ``spec`` sends. ``with_definition``: a definition
    declared by value is written with PUT (profiles that have it); without it, its records
    go by reference in ``objectCollections``. A PUT replace sends the one or the other."""
    by_value = spec.definition is not None and with_definition
    definition = (spec.definition_content or {}) if by_value else None
    return PackageBody(name=spec.name, description=marked_description(spec, owner, prior),
                       source=source_url(spec, environments), status=spec.status.value,
                       collections=tuple(object_collections(spec)), definition=definition)


def put_package_body(spec: PackageSpec, owner: str, environments: Mapping[str, str],
                     prior: Set[str] = frozenset()) -> PackageBody:
    """What a PUT replace of ``spec`` sends: its definition, or else its records by
    reference; the marker lists ``prior``, the installations of the content it replaces."""
    body = package_body(spec, owner, environments, True, prior)
    return replace(body, collections=None) if body.definition is not None else body
