"""An in-memory PromotionAPI with fake time and fault injection, for the engine's unit tests."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reconciler.api.transport import OutcomeUnknown
from reconciler.clock import FakeClock
from reconciler.domain.profiles import Capabilities
from reconciler.domain.remote import Installation, RemotePackage, TranslationMap
from reconciler.errors import ApiError
from reconciler.plan.changes import (
    Create,
    Delete,
    Disable,
    PackageBody,
    RemoteState,
    Replace,
    Update,
)
from reconciler.plan.model import Action, Plan, Reason, ReplaceStrategy
from reconciler.plan.ownership import with_marker

OWNER = "acme-test"
DIGEST = "a" * 64
CURRENT = Capabilities(replace_with_put=False, read_definition=False,
                       reassemble_with_patch=False)
LEGACY = Capabilities(replace_with_put=True, read_definition=True, reassemble_with_patch=True)


@dataclass
class Stored:
    package: dict[str, Any]
    ready_at: float | None = None       # monotonic time assembly ends
    fails: bool = False


@dataclass
class FakeAPI:
    clock: FakeClock
    capabilities: Capabilities = CURRENT
    environment: str = "sandbox"
    assembly_seconds: float = 1.0
    fail_assembly_names: set[str] = field(default_factory=set)
    lose_create_answers: int = 0          # commit, then raise OutcomeUnknown this many times
    refuse_create_answers: int = 0        # raise OutcomeUnknown WITHOUT committing
    fail_patch_ids: set[str] = field(default_factory=set)
    store: dict[str, Stored] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    # -- helpers ------------------------------------------------------------------------

    def seed(self, name: str, status: str = "DRAFT", description: str = "") -> str:
        pid = str(uuid.uuid4())
        self.store[pid] = Stored({"id": pid, "name": name, "description": description,
                                  "status": status, "createdAt": self._stamp()})
        return pid

    def by_name(self, name: str) -> list[dict[str, Any]]:
        return [s.package for s in self.store.values() if s.package["name"] == name]

    def _stamp(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), UTC).isoformat().replace("+00:00",
                                                                                   "Z")

    def _tick(self, stored: Stored) -> None:
        if stored.ready_at is not None and self.clock.monotonic() >= stored.ready_at:
            stored.package["status"] = "ASSEMBLING_FAILED" if stored.fails else "DRAFT"
            stored.ready_at = None

    def _get(self, package_id: str) -> Stored:
        stored = self.store.get(package_id)
        if stored is None:
            raise ApiError("not found", method="GET", url=f"/packages/{package_id}", status=404)
        self._tick(stored)
        return stored

    # -- PromotionAPI -------------------------------------------------------------------

    async def list_packages(self) -> list[RemotePackage]:
        self.calls.append(("GET", "/packages"))
        for stored in self.store.values():
            self._tick(stored)
        return [RemotePackage(**s.package) for s in self.store.values()]

    async def get_package(self, package_id: str) -> RemotePackage:
        self.calls.append(("GET", package_id))
        return RemotePackage(**self._get(package_id).package)

    async def create_package(self, body: dict[str, Any]) -> RemotePackage:
        self.calls.append(("POST", body.get("name", "")))
        if self.refuse_create_answers:
            self.refuse_create_answers -= 1
            raise OutcomeUnknown("lost", method="POST", url="/packages")
        pid = str(uuid.uuid4())
        stored = Stored({"id": pid, "name": body["name"],
                         "description": body.get("description", ""),
                         "status": "ASSEMBLING", "createdAt": self._stamp(), "version": 1},
                        ready_at=self.clock.monotonic() + self.assembly_seconds,
                        fails=body["name"] in self.fail_assembly_names)
        self.store[pid] = stored
        if self.lose_create_answers:
            self.lose_create_answers -= 1
            raise OutcomeUnknown("the answer was lost", method="POST", url="/packages")
        return RemotePackage(**stored.package)

    async def patch_package(self, package_id: str, fields: dict[str, Any]) -> RemotePackage:
        self.calls.append(("PATCH", package_id))
        stored = self._get(package_id)
        if package_id in self.fail_patch_ids:
            raise ApiError("refused", method="PATCH", url=f"/packages/{package_id}",
                           status=400)
        if stored.package["status"] == "ASSEMBLING":
            raise ApiError("still assembling", method="PATCH", status=409)
        if "objectCollections" in fields:
            if stored.package["status"] in ("TESTING", "ACTIVE"):
                raise ApiError("set DRAFT first", method="PATCH", status=409)
            stored.package["status"] = "ASSEMBLING"
            stored.ready_at = self.clock.monotonic() + self.assembly_seconds
            fields = {k: v for k, v in fields.items() if k != "objectCollections"}
        stored.package.update(fields)
        return RemotePackage(**stored.package)

    async def replace_package(self, package_id: str, body: dict[str, Any]) -> RemotePackage:
        self.calls.append(("PUT", package_id))
        stored = self._get(package_id)
        stored.package.update({k: v for k, v in body.items()
                               if k in ("name", "description", "status")})
        return RemotePackage(**stored.package)

    async def delete_package(self, package_id: str) -> None:
        self.calls.append(("DELETE", package_id))
        self._get(package_id)
        del self.store[package_id]

    async def prepare_installation(self, package_id: str) -> Installation:
        self.calls.append(("POST", f"prepare {package_id}"))
        return Installation(id=f"inst-{package_id}", status="PREPARING")

    async def install(self, installation_id: str) -> None:
        self.calls.append(("POST", f"install {installation_id}"))

    async def list_installations(self, package_id: str) -> list[Installation]:
        return []

    async def get_installation(self, installation_id: str) -> Installation:
        self.calls.append(("GET", installation_id))
        return Installation(id=installation_id, status="INSTALLED")

    async def translation_map(self, package_id: str) -> TranslationMap:
        return {}

    async def install_with_map(self, package_id: str, translation_map: TranslationMap) -> str:
        return f"inst2-{package_id}"

    async def get_definition(self, package_id: str) -> dict[str, Any]:
        return {}

    async def aclose(self) -> None:
        return None


def body(name: str, digest: str = DIGEST) -> dict[str, Any]:
    return {"name": name, "description": with_marker("about " + name, OWNER, digest),
            "source": "https://acme.sb01.workfront.com",
            "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": "0" * 32}]}]}


def package(name: str, digest: str = DIGEST, status: str | None = None) -> PackageBody:
    fields = body(name, digest)
    return PackageBody(fields["name"], fields["description"], fields["source"],
                       status=status or "DRAFT",
                       collections=tuple(fields["objectCollections"]))


def create(name: str, status: str | None = None) -> Action:
    return Action(name, Reason.MISSING, Create(package(name, status=status)),
                  source_env="sandbox")


def update(name: str, pid: str, fields: dict[str, Any], before_status: str = "DRAFT") -> Action:
    return Action(name, Reason.FIELDS_CHANGED, Update(RemoteState(pid, name,
                                                                  status=before_status),
                                                      **fields),
                  package_id=pid, source_env="sandbox")


def replace(name: str, pid: str, strategy: ReplaceStrategy, status: str | None = None,
            digest: str = "b" * 64, definition: dict[str, Any] | None = None,
            before_status: str | None = None) -> Action:
    body = dataclasses.replace(package(name, digest, status), definition=definition)
    return Action(name, Reason.CONTENT_CHANGED,
                  Replace(RemoteState(pid, name, status=before_status), body, strategy),
                  package_id=pid, source_env="sandbox")


def disable(name: str, pid: str) -> Action:
    return Action(name, Reason.NOT_DECLARED, Disable(RemoteState(pid, name)), package_id=pid,
                  source_env="sandbox")


def delete(name: str, pid: str) -> Action:
    return Action(name, Reason.NOT_DECLARED, Delete(RemoteState(pid, name)), package_id=pid,
                  source_env="sandbox")


def plan_of(*actions: Action, fingerprints: dict[str, str] | None = None) -> Plan:
    return Plan(actions=tuple(actions), owner=OWNER, profile="current",
                desired_digest="d" * 64, remote_fingerprints=fingerprints or {})
