"""The two API profiles, as one table of differences: paths, names and response shapes.

``current`` follows the docs since 2023-11-02; ``2023`` follows the July 2023 docs the
project was seeded from (old status names, PUT, ``/definition``, re-assembly by PATCH).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.domain.remote import CURRENT_TO_OLD, OLD_STATUS_NAMES
from reconciler.simulator.assembly import entities_map
from reconciler.simulator.state import Installation, Package


@dataclass(frozen=True)
class Profile:
    name: str
    base_path: str
    old_status_names: bool      # report EXTRACTING/BUILDING/...; accept both vocabularies
    legacy_endpoints: bool      # PUT /packages/{id} and GET /packages/{id}/definition
    slim_list: bool             # list items carry only the summary fields
    patch_fields: frozenset[str]

    def status_out(self, status: str) -> str:
        return CURRENT_TO_OLD.get(status, status) if self.old_status_names else status

    def status_in(self, value: Any) -> Any:
        """A status from a request body, in current names (unknown values pass through)."""
        if self.old_status_names and isinstance(value, str):
            return OLD_STATUS_NAMES.get(value.strip().upper(), value)
        return value

    def package(self, pkg: Package, *, entities: bool) -> dict[str, Any]:
        """A package as E1/E3/E4 (and R2) report it."""
        out: dict[str, Any] = {
            "id": pkg.id, "name": pkg.name, "description": pkg.description,
            "source": pkg.source, "status": self.status_out(pkg.status),
            "version": pkg.version, "createdAt": pkg.createdAt, "createdById": pkg.createdById,
            "publishedAt": pkg.publishedAt, "retiredAt": pkg.retiredAt,
            "customerId": pkg.customerId,
        }
        if pkg.failure and pkg.status == "ASSEMBLING_FAILED":
            # The docs name no field for why assembly failed; the client reads this one (and
            # a few other spellings), so a failed create can say which object is missing.
            out["failureReason"] = pkg.failure
        if self.old_status_names:
            out["installationCounts"] = {}
            out["isPrivate"] = False
        if entities:
            summary = entities_map(pkg.records)
            out["packageEntities"] = summary
            if self.old_status_names:
                out["displayEntities"] = summary
        return out

    def list_item(self, pkg: Package) -> dict[str, Any]:
        if not self.slim_list:
            return self.package(pkg, entities=False)
        return {"id": pkg.id, "name": pkg.name, "description": pkg.description,
                "status": self.status_out(pkg.status), "createdAt": pkg.createdAt,
                "deletedAt": pkg.deletedAt}

    def installation(self, inst: Installation) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": inst.id,
            "environmentPromotionPackageId": inst.packageId,
            "environmentPromotionPackageVersion": inst.packageVersion,
            "userId": inst.userId, "customerId": inst.customerId, "status": inst.status,
            "environment": inst.environment_label, "registeredAt": inst.registeredAt,
            "updatedAt": inst.updatedAt, "translationMap": inst.translationMap,
        }
        if self.old_status_names:
            out["blueprintId"] = inst.packageId
            out["blueprintVersion"] = inst.packageVersion
        return out


CURRENT = Profile(
    name="current", base_path="/environment-promotion/api/v1", old_status_names=False,
    legacy_endpoints=False, slim_list=True,
    patch_fields=frozenset({"name", "description", "status"}))

PROFILE_2023 = Profile(
    name="2023", base_path="/environment-promotion/v1", old_status_names=True,
    legacy_endpoints=True, slim_list=False,
    patch_fields=frozenset({"name", "description", "status", "source", "objectCollections",
                            "version", "metadata", "isPrivate"}))

PROFILES: dict[str, Profile] = {"current": CURRENT, "2023": PROFILE_2023}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown API profile {name!r}; use current or 2023") from None
