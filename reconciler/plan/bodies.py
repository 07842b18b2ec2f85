"""Request bodies the plan carries in ``Action.after``.

For create and create-then-disable replaces, ``after`` holds the POST body (``POST_KEYS``)
plus, when needed, ``desired_status`` (PATCHed once assembly ends) and ``packageEntities``
(a definition written with PUT after the create, under a profile that has PUT). For a PUT
replace it holds the PUT body; for an update, only the fields to PATCH.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan.ownership import with_marker

POST_KEYS = ("name", "description", "source", "objectCollections")
PUT_KEYS = ("name", "description", "source", "status", "objectCollections", "packageEntities")


def source_url(spec: PackageSpec, environments: Mapping[str, str]) -> str:
    try:
        return environments[spec.source]
    except KeyError:
        known = ", ".join(sorted(environments)) or "none"
        raise WfpromoteError(
            f"package {spec.name!r} has source {spec.source!r}, which is not a configured "
            f"environment (known: {known})",
            hint="use an environment name from wfpromote.yaml") from None


def marked_description(spec: PackageSpec, owner: str) -> str:
    """The description to send: the declared text and this owner's marker for ``spec``."""
    return with_marker(spec.description, owner, spec.digest(), spec.revision)


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


def create_body(spec: PackageSpec, owner: str, environments: Mapping[str, str],
                put_definition: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": spec.name,
        "description": marked_description(spec, owner),
        "source": source_url(spec, environments),
        "objectCollections": object_collections(spec),
    }
    if spec.status.value != "DRAFT":
        body["desired_status"] = spec.status.value
    if spec.definition is not None and put_definition:
        body["packageEntities"] = spec.definition_content or {}
    return body


def put_body(spec: PackageSpec, owner: str, environments: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": spec.name,
        "description": marked_description(spec, owner),
        "source": source_url(spec, environments),
        "status": spec.status.value,
    }
    if spec.definition is not None:
        body["packageEntities"] = spec.definition_content or {}
    else:
        body["objectCollections"] = object_collections(spec)
    return body


def post_body(after: Mapping[str, Any]) -> dict[str, Any]:
    """The POST /packages body out of a create action's ``after`` (for the apply engine)."""
    return {k: after[k] for k in POST_KEYS if k in after}


def full_put_body(after: Mapping[str, Any], current: RemotePackage) -> dict[str, Any]:
    """The PUT /packages/{id} body (R2): a full replacement, so every editable field the
    reference lists is sent: ``name``, ``description``, ``source``, ``status`` (the
    planned one, else the package's own) and ``version`` as the package reports it now,
    with the content (``packageEntities``, or ``objectCollections`` by reference)."""
    out = {k: after[k] for k in PUT_KEYS if k in after}
    if "packageEntities" in out:
        out.pop("objectCollections", None)
    out.setdefault("status", current.status or "DRAFT")
    out.setdefault("description", current.description or "")
    if current.version is not None:
        out["version"] = current.version
    return out
