"""Small builders for planner tests: declared specs, remote packages, settings."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.domain.profiles import Capabilities
from reconciler.domain.remote import RemotePackage
from reconciler.plan.ownership import with_marker
from reconciler.plan.settings import PlanSettings

OWNER = "acme-workfront"
ENVS = {"sandbox": "https://acme.sb01.workfront.com",
        "preview": "https://acme.preview.workfront.com"}
CURRENT = Capabilities(replace_with_put=False, read_definition=False,
                       reassemble_with_patch=False)
LEGACY = Capabilities(replace_with_put=True, read_definition=True, reassemble_with_patch=True)


def seed_id(name: str, code: str = "TMPL", env: str = "sandbox") -> str:
    return hashlib.md5(f"{env}/{code}/{name}".encode()).hexdigest()


def pkg_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def spec(name: str, *, description: str = "", status: str = "DRAFT",
         entities: tuple[str, ...] = ("New Agency Onboarding",), code: str = "TMPL",
         id: str | None = None, definition: dict[str, Any] | None = None) -> PackageSpec:
    data: dict[str, Any] = {"name": name, "description": description, "source": "sandbox",
                            "status": status}
    if definition is not None:
        data["definition"] = "def.json"
        data["definition_content"] = definition
    else:
        data["objectCollections"] = [{"objCode": code, "entities": [
            {"ID": seed_id(e, code), "name": e} for e in entities]}]
    if id is not None:
        data["id"] = id
    return PackageSpec.model_validate(data)


def remote_of(s: PackageSpec, *, owner: str | None = OWNER, digest: str | None = None,
              status: str | None = None, id: str | None = None,
              description: str | None = None, **extra: Any) -> RemotePackage:
    """The remote package a successful apply of ``s`` leaves behind."""
    text = s.description if description is None else description
    if owner is not None:
        text = with_marker(text, owner, digest or s.digest())
    fields: dict[str, Any] = {"createdAt": "2026-01-01T00:00:00.000Z", "deletedAt": None,
                              **extra}
    return RemotePackage(id=id or s.id or pkg_id(s.name), name=s.name, description=text,
                         status=status or s.status.value, **fields)


def settings(**overrides: Any) -> PlanSettings:
    values: dict[str, Any] = {"owner": OWNER, "capabilities": CURRENT, "environments": ENVS,
                              "allow_empty": False}
    values.update(overrides)
    return PlanSettings(**values)
