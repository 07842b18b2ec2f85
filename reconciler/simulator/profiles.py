"""How the simulator renders its state on the wire under one API profile.

The differences themselves (paths, status names, list shapes, PATCH fields) are rows of the one
table in ``reconciler.domain.profiles``, which the client reads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.domain.profiles import Profile, get_profile
from reconciler.simulator.assembly import entities_map
from reconciler.simulator.behaviour import Behaviour
from reconciler.simulator.state import Installation, Package


@dataclass(frozen=True)
class WireFormat:
    """The simulator's answers, shaped as ``profile`` documents them."""

    profile: Profile

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def base_path(self) -> str:
        return self.profile.base_path

    @property
    def legacy_endpoints(self) -> bool:
        """PUT /packages/{id} and GET /packages/{id}/definition are served."""
        caps = self.profile.capabilities
        return caps.replace_with_put or caps.read_definition

    @property
    def patch_fields(self) -> frozenset[str]:
        return self.profile.patch_fields

    def status_out(self, status: str) -> str:
        return self.profile.wire_status(status)

    def status_in(self, value: Any) -> Any:
        """A status from a request body, in current names (unknown values pass through)."""
        return self.profile.status_from_wire(value)

    def package(self, pkg: Package, *, entities: bool,
                behaviour: Behaviour | None = None) -> dict[str, Any]:
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
        if self.profile.old_status_names:
            out["installationCounts"] = {}
            out["isPrivate"] = False
        if entities:
            parents = (behaviour or Behaviour()).entity_parents == "present"
            summary = entities_map(pkg.records, parents=parents)
            out["packageEntities"] = summary
            if self.profile.old_status_names:
                out["displayEntities"] = summary
        return out

    def list_item(self, pkg: Package) -> dict[str, Any]:
        if not self.profile.slim_list:
            return self.package(pkg, entities=False)
        return {"id": pkg.id, "name": pkg.name, "description": pkg.description,
                "status": self.status_out(pkg.status), "createdAt": pkg.createdAt,
                "deletedAt": pkg.deletedAt}

    def installation_status(self, status: str) -> str:
        """Only documented values where one fits: a running install reads PREPARING (no
        in-progress value is documented), a finished one as the profile's examples spell it
        (INSTALLED, COMPLETED in 2023). A failed one reads FAILED: no value is documented."""
        if status == "INSTALLING":
            return "PREPARING"
        if status == "INSTALLED":
            return self.profile.install_done_status
        return status

    @property
    def install_with_map(self) -> bool:
        """E10 and E11 are served (the current docs' Overwriting section)."""
        return self.profile.capabilities.install_with_map

    @property
    def map_in_prerun_install(self) -> bool:
        return self.profile.capabilities.map_in_prerun_install

    def installation(self, inst: Installation, behaviour: Behaviour | None = None, *,
                     prerun: bool = False, scheme: str = "https") -> dict[str, Any]:
        """An installation as E6 (``prerun``), E8 and E9 report it. The ``environment`` field
        is a bare host in the E6 example and a URL in the E8/E9 ones (the behaviour knob picks
        one of them everywhere, or follows the examples)."""
        behaviour = behaviour or Behaviour()
        label = inst.environment_label
        style = behaviour.environment_field
        if style == "url" or (style == "documented" and not prerun):
            label = f"{scheme}://{label}"
        out: dict[str, Any] = {
            "id": inst.id,
            "environmentPromotionPackageId": inst.packageId,
            "environmentPromotionPackageVersion": inst.packageVersion,
            "userId": inst.userId, "customerId": inst.customerId,
            "status": self.installation_status(inst.status),
            "environment": label, "registeredAt": inst.registeredAt,
            "updatedAt": inst.updatedAt, "translationMap": inst.translationMap,
        }
        if self.profile.old_status_names:
            out["blueprintId"] = inst.packageId
            out["blueprintVersion"] = inst.packageVersion
        if behaviour.e8_package_id == "absent":
            for key in ("environmentPromotionPackageId", "blueprintId"):
                out.pop(key, None)
        return out



def wire_format(name: str) -> WireFormat:
    return WireFormat(get_profile(name))
