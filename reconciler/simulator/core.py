"""The simulator core: the rules of the Environment Promotion service over a ``World``.

Independent of HTTP, so it is tested directly with a FakeClock. Time-based progress
(assembly, installation) is evaluated lazily whenever the state is read; no threads.
Every operation holds one lock, because a threaded server and a test may share the core.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from uuid import uuid4

from reconciler.clock import Clock, RealClock
from reconciler.domain.statuses import PACKAGE_STATUSES
from reconciler.errors import ConfigError
from reconciler.simulator.assembly import check_collections, expand, records_from_entities
from reconciler.simulator.behaviour import Behaviour
from reconciler.simulator.errors import SimError
from reconciler.simulator.installs import (
    TranslationMap,
    apply_map,
    install_refusal,
    merge_map,
    prepare_map,
)
from reconciler.simulator.state import (
    Environment,
    IdFactory,
    Installation,
    Package,
    World,
    add_missing_environments,
    load_world,
    new_world,
    save_world,
)

T = TypeVar("T")
SYSTEM_STATUSES = frozenset({"ASSEMBLING", "ASSEMBLING_FAILED", "UNASSEMBLED"})
# R2: a PUT is a full replacement and expects every editable field.
PUT_FIELDS = ("name", "description", "source", "status", "version", "packageEntities")
USER_STATUSES = tuple(s for s in PACKAGE_STATUSES if s not in SYSTEM_STATUSES)


def iso(seconds: float) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2023-06-06T17:29:21.600Z."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Simulator:
    """All environments of one simulated customer, with packages and installations."""

    def __init__(self, world: World | None = None, *, environments: dict[str, str] | None = None,
                 clock: Clock | None = None, assembly_seconds: float = 0.0,
                 install_seconds: float = 0.0, state_path: str | None = None,
                 ids: IdFactory | None = None) -> None:
        self.ids: IdFactory = ids or uuid4
        self.world = world or new_world(environments, self.ids)
        if environments:
            add_missing_environments(self.world, environments)
        self.clock: Clock = clock or RealClock()
        self.assembly_seconds = assembly_seconds
        self.install_seconds = install_seconds
        self.state_path = state_path
        # Where the reference is silent, which way to answer (see behaviour.py).
        self.behaviour = Behaviour()
        self.fail_records: frozenset[str] = frozenset()   # fault knob: these names fail
        self.generation = 0  # bumped on every change; lets the HTTP layer cache renderings
        self._lock = threading.RLock()
        self._cache: dict[str, tuple[int, Any]] = {}

    @classmethod
    def open(cls, state_path: str | None, **kwargs: Any) -> Simulator:
        """Load the state file when there is one, else start from the seed."""
        world = None
        if state_path:
            try:
                world = load_world(state_path)
            except OSError as exc:
                raise ConfigError(f"cannot read simulator state {state_path}: "
                                  f"{exc.strerror or exc}") from None
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"simulator state file {state_path} is unreadable: {exc}",
                                  hint="run `wfpromote simulator reset` to start afresh") from exc
        sim = cls(world, state_path=state_path, **kwargs)
        if state_path:
            try:
                sim._save()
            except OSError as exc:
                raise ConfigError(f"cannot write simulator state {state_path}: "
                                  f"{exc.strerror or exc}") from None
        return sim

    # --- plumbing ----------------------------------------------------------------------------

    def _run(self, op: Callable[[], T], *, mutates: bool = False) -> T:
        with self._lock:
            changed = self._settle()
            if changed:
                self.generation += 1
            result = op()
            if mutates:
                self.generation += 1
            if mutates or changed:
                self._save()
            return result

    def _save(self) -> None:
        if self.state_path:
            save_world(self.world, self.state_path)

    def _now(self) -> str:
        return iso(self.clock.now())

    def _settle(self) -> bool:
        """Finish the assemblies and installations whose time has come."""
        now = self.clock.now()
        changed = False
        for pkg in self.world.packages.values():
            if pkg.status == "ASSEMBLING" and (pkg.ready_at or 0.0) <= now:
                self._finish_assembly(pkg)
                changed = True
        for inst in self.world.installations.values():
            if inst.status == "INSTALLING" and (inst.done_at or 0.0) <= now:
                self._finish_install(inst)
                changed = True
        return changed

    def _finish_assembly(self, pkg: Package) -> None:
        env = self.world.environments.get(pkg.source_env)
        try:
            if env is None:
                raise LookupError(f"source environment {pkg.source_env} no longer exists")
            pkg.records = copy.deepcopy(expand(env, pkg.objectCollections))
            pkg.status, pkg.failure = "DRAFT", None
        except LookupError as exc:
            pkg.records, pkg.status, pkg.failure = [], "ASSEMBLING_FAILED", str(exc)

    def _finish_install(self, inst: Installation) -> None:
        pkg = self.world.packages.get(inst.packageId)
        target = self.world.environments[inst.environment]
        ok = apply_map(pkg.records if pkg else [], target, inst.translationMap, self.behaviour,
                       fail=self.fail_records, ids=self.ids)
        inst.status = "INSTALLED" if ok else "FAILED"
        inst.updatedAt = self._now()

    def env(self, name: str) -> Environment:
        found = self.world.environments.get(name)
        if found is None:
            raise SimError(404, f"unknown environment {name!r}")
        return found

    def _package(self, package_id: str) -> Package:
        pkg = self.world.packages.get(package_id)
        if pkg is None:
            raise SimError(404, f"package {package_id} not found")
        return pkg

    def _installation(self, installation_id: str) -> Installation:
        inst = self.world.installations.get(installation_id)
        if inst is None:
            raise SimError(404, f"installation {installation_id} not found")
        return inst

    def resolve_source(self, source: Any, default: str) -> str:
        """The environment a ``source`` names: a bare name, or a URL whose first path segment
        or one of whose host labels is an environment name."""
        if source is None or source == "":
            return default
        if not isinstance(source, str):
            raise SimError(400, "source must be a string")
        if source in self.world.environments:
            return source
        parts = urlsplit(source if "//" in source else f"//{source}")
        segment = parts.path.strip("/").split("/")[0]
        if segment in self.world.environments:
            return segment
        for label in (parts.hostname or "").split("."):
            if label in self.world.environments:
                return label
        raise SimError(400, f"source {source!r} is not an environment of this simulator")

    # --- packages ----------------------------------------------------------------------------

    def create_package(self, body: dict[str, Any], env: str) -> Package:
        def op() -> Package:
            self.env(env)
            name = body.get("name", body.get("packageName"))
            if not isinstance(name, str) or not name.strip():
                raise SimError(400, "name is required")
            collections = check_collections(body.get("objectCollections"))
            source_env = self.resolve_source(body.get("source"), env)
            description = body.get("description")
            pkg = Package(
                id=str(self.ids()), name=name, description=_text(description),
                source=str(body.get("source") or source_env), source_env=source_env,
                status="ASSEMBLING", createdAt=self._now(), createdById=self.world.userId,
                customerId=self.world.customerId, objectCollections=collections,
                ready_at=self.clock.now() + self.assembly_seconds)
            self.world.packages[pkg.id] = pkg
            created = copy.deepcopy(pkg)  # the answer always shows the package ASSEMBLING
            if self.assembly_seconds <= 0:
                self._finish_assembly(pkg)
            return created
        return self._run(op, mutates=True)

    def get_package(self, package_id: str) -> Package:
        return self._run(lambda: copy.deepcopy(self._package(package_id)))

    def list_packages(self) -> list[Package]:
        """All packages of the customer, oldest first (shallow copies: do not modify)."""
        return self._run(lambda: [copy.copy(p) for p in self.world.packages.values()])

    def rendered_packages(self, key: str, render: Callable[[list[Package]], T]) -> T:
        """``render`` of the package list, computed once per state generation and key.

        The list endpoint is the hot path of every plan; re-encoding a thousand packages per
        request is what this avoids.
        """
        def op() -> T:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == self.generation:
                return cached[1]
            value = render(list(self.world.packages.values()))
            self._cache[key] = (self.generation, value)
            return value
        return self._run(op)

    def package_count(self) -> int:
        with self._lock:
            return len(self.world.packages)

    def update_package(self, package_id: str, changes: dict[str, Any]) -> Package:
        """PATCH: ``name``, ``description``, ``status`` (current names) and, for re-assembly,
        ``objectCollections`` with an optional ``source``. Field vetting is the profile's job."""
        def op() -> Package:
            pkg = self._package(package_id)
            name = _name(changes["name"]) if "name" in changes else pkg.name
            description = _text(changes.get("description", pkg.description))
            status = self._check_status(pkg, changes["status"]) if "status" in changes else None
            if "objectCollections" in changes:
                if "status" in changes:
                    raise SimError(400, "status cannot be changed while re-assembling")
                self._reassemble(pkg, changes["objectCollections"], changes.get("source"))
            elif changes.get("source") is not None:
                pkg.source_env = self.resolve_source(changes["source"], pkg.source_env)
                pkg.source = str(changes["source"])
            pkg.name, pkg.description = name, description
            if status is not None:
                self._set_status(pkg, status)
            return copy.deepcopy(pkg)
        return self._run(op, mutates=True)

    def replace_package(self, package_id: str, body: dict[str, Any]) -> Package:
        """PUT (2023 profile, R2): a full replacement. As the reference says, every editable
        field is expected (``name``, ``description``, ``source``, ``status``, ``version`` as an
        integer, and the full ``packageEntities``); a body lacking one is refused with 400."""
        def op() -> Package:
            pkg = self._package(package_id)
            if pkg.status == "ASSEMBLING":
                raise SimError(409, "the package is still assembling")
            missing = [k for k in PUT_FIELDS if k not in body]
            if missing:
                raise SimError(400, "PUT replaces the whole package; missing "
                                    f"{', '.join(missing)}")
            name = _name(body["name"])
            if not isinstance(body["source"], str) or not body["source"].strip():
                raise SimError(400, "source must be a URL")
            source_env = self.resolve_source(body["source"], pkg.source_env)
            records = records_from_entities(body["packageEntities"])
            known = self.world.environments[source_env].records
            for record in records:
                if record.parentID is None and record.ID in known:
                    record.parentID = known[record.ID].parentID
            version = body["version"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise SimError(400, "version must be an integer")
            if not isinstance(body["description"], str):
                raise SimError(400, "description must be a string")
            description = body["description"]
            # A full definition replaces a failed assembly, so judge the status as from DRAFT.
            current = "DRAFT" if pkg.status == "ASSEMBLING_FAILED" else pkg.status
            status = self._check_status(pkg, body["status"], current)
            pkg.name, pkg.description, pkg.status = name, description, current
            pkg.source, pkg.source_env = body["source"], source_env
            # A full replacement: the version is stored as sent, like every other field.
            pkg.records, pkg.version, pkg.failure = records, version, None
            self._set_status(pkg, status)
            return copy.deepcopy(pkg)
        return self._run(op, mutates=True)

    def delete_package(self, package_id: str) -> None:
        """Hard delete; its installation records stay (they are history of the targets)."""
        def op() -> None:
            self._package(package_id)
            del self.world.packages[package_id]
        self._run(op, mutates=True)

    def _check_status(self, pkg: Package, value: Any, current: str | None = None) -> str:
        """The status a user asked for, if the package (now in ``current``) may take it."""
        current = current or pkg.status
        status = str(value).strip().upper() if isinstance(value, str) else ""
        if status in SYSTEM_STATUSES:
            raise SimError(400, f"status {status} is set by the service, not by users")
        if status not in USER_STATUSES:
            raise SimError(400, f"unknown status {value!r}; use one of {', '.join(USER_STATUSES)}")
        if current == "ASSEMBLING":
            raise SimError(409, "the package is still assembling; try again when it is DRAFT")
        if current == "ASSEMBLING_FAILED" and status != "DISABLED":
            raise SimError(409, "assembly failed; re-assemble the package first")
        if current == "DISABLED" and status != "DISABLED" and \
                self.behaviour.reactivation == "refuse":
            raise SimError(self.behaviour.refusal, f"a DISABLED package cannot be set to "
                                                   f"{status}; create a new package")
        return status

    def _set_status(self, pkg: Package, status: str) -> None:
        if status == pkg.status:
            return
        if status == "ACTIVE":
            pkg.publishedAt = self._now()
        pkg.retiredAt = self._now() if status == "DISABLED" else None
        pkg.status = status

    def _reassemble(self, pkg: Package, collections: Any, source: Any) -> None:
        if pkg.status in ("ASSEMBLING", "TESTING", "ACTIVE"):
            raise SimError(409, f"a package in status {pkg.status} cannot be re-assembled; "
                                "set it to DRAFT first")
        checked = check_collections(collections)
        source_env = pkg.source_env if source is None else \
            self.resolve_source(source, pkg.source_env)
        pkg.objectCollections, pkg.source_env = checked, source_env
        if source is not None:
            pkg.source = str(source)
        pkg.status, pkg.version, pkg.records = "ASSEMBLING", pkg.version + 1, []
        pkg.ready_at = self.clock.now() + self.assembly_seconds
        if self.assembly_seconds <= 0:
            self._finish_assembly(pkg)

    # --- installations -----------------------------------------------------------------------

    def _installable(self, pkg: Package, env: Environment) -> None:
        reason = install_refusal(pkg.status, env.kind)
        if reason:
            # No status code is documented for this refusal: 409 or 400 (behaviour knob).
            raise SimError(self.behaviour.refusal, reason)

    def _new_installation(self, pkg: Package, env: Environment, label: str,
                          tmap: TranslationMap, status: str) -> Installation:
        inst = Installation(
            id=str(self.ids()), packageId=pkg.id, packageVersion=pkg.version,
            environment=env.name, environment_label=label, userId=self.world.userId,
            customerId=self.world.customerId, status=status, registeredAt=self._now(),
            updatedAt=None, translationMap=tmap)
        self.world.installations[inst.id] = inst
        return inst

    def prepare_installation(self, package_id: str, env: str, label: str) -> Installation:
        """E6: a PREPARING installation whose map was computed against ``env``."""
        def op() -> Installation:
            pkg, target = self._package(package_id), self.env(env)
            self._installable(pkg, target)
            tmap = prepare_map(pkg.records, target)
            return copy.deepcopy(self._new_installation(pkg, target, label, tmap, "PREPARING"))
        return self._run(op, mutates=True)

    def translation_map(self, package_id: str, env: str) -> TranslationMap:
        """E10: the automatic map, without creating an installation."""
        def op() -> TranslationMap:
            pkg, target = self._package(package_id), self.env(env)
            self._installable(pkg, target)
            return prepare_map(pkg.records, target)
        return self._run(op)

    def install(self, installation_id: str, env: str,
                edited: dict[str, Any] | None = None) -> Installation:
        """E7: start a prepared installation (optionally with an edited map)."""
        def op() -> Installation:
            inst = self._installation(installation_id)
            target_env = env
            if inst.environment != env:
                if self.behaviour.install_elsewhere == "refuse":
                    raise SimError(self.behaviour.refusal, f"installation {installation_id} "
                                   f"was prepared for {inst.environment}, not {env}")
                target_env = inst.environment   # installs into the target of its pre-run
            if inst.status != "PREPARING":
                raise SimError(409, f"installation is {inst.status}, not PREPARING")
            pkg, target = self._package(inst.packageId), self.env(target_env)
            self._installable(pkg, target)
            if edited is not None:
                inst.translationMap = merge_map(pkg.records, target, edited)
            self._start(inst)
            return copy.deepcopy(inst)
        return self._run(op, mutates=True)

    def install_with_map(self, package_id: str, env: str, label: str,
                         edited: Any) -> Installation:
        """E11: install with the caller's map; creates the installation record."""
        def op() -> Installation:
            if not isinstance(edited, dict):
                raise SimError(400, "translationMap must be an object")
            pkg, target = self._package(package_id), self.env(env)
            self._installable(pkg, target)
            tmap = merge_map(pkg.records, target, edited)
            inst = self._new_installation(pkg, target, label, tmap, "INSTALLING")
            self._start(inst)
            return copy.deepcopy(inst)
        return self._run(op, mutates=True)

    def _start(self, inst: Installation) -> None:
        inst.status = "INSTALLING"
        inst.done_at = self.clock.now() + self.install_seconds
        if self.install_seconds <= 0:
            self._finish_install(inst)

    def list_installations(self, package_id: str | None) -> list[Installation]:
        return self._run(lambda: [copy.deepcopy(i) for i in self.world.installations.values()
                                  if package_id is None or i.packageId == package_id])

    def get_installation(self, installation_id: str) -> Installation:
        return self._run(lambda: copy.deepcopy(self._installation(installation_id)))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SimError(400, "description must be a string")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SimError(400, "name must be a non-empty string")
    return value
