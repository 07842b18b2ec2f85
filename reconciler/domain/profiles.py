"""The one table of differences between the API profiles, for the client and the simulator.

``current`` follows the documentation since November 2023 (the service as shipped);
``2023`` follows the seed document's API (July-October 2023), which still had ``PUT``,
``GET /definition``, re-assembly through ``PATCH`` and the old status names. Everything that
differs between the two lives in a :class:`Profile` row below; the rest of the code asks the
profile (or a client's ``capabilities``) and never compares profile names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from reconciler.domain.statuses import CURRENT_TO_OLD, OLD_STATUS_NAMES
from reconciler.errors import ConfigError


@dataclass(frozen=True)
class Capabilities:
    """What one profile's API can do beyond the endpoints every profile has."""

    replace_with_put: bool       # PUT /packages/{id} with a full definition (R2)
    read_definition: bool        # GET /packages/{id}/definition (R1)
    reassemble_with_patch: bool  # PATCH with objectCollections starts a new assembly
    # E10 POST /packages/{id}/translation-map and E11 POST /packages/{id}/install (the
    # Overwriting section, 2024-05): only in the current docs.
    install_with_map: bool = False
    # E7 accepts an edited translationMap in its body (the 2023-era install took a map).
    map_in_prerun_install: bool = False
    # The translation-map actions the profile's API has (reference section 1.4): OVERWRITING
    # arrived 2024-03-07 and CREATEWITHALTNAME in the 2024-05-30 examples, so the July 2023
    # API has only CREATE, USEEXISTING and IGNORE.
    map_actions: frozenset[str] = frozenset({"CREATE", "USEEXISTING", "IGNORE"})
    # Why an action outside ``map_actions`` is missing, said to the user (None: nothing is).
    missing_actions_reason: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    base_path: str                # appended to the environment URL
    capabilities: Capabilities
    old_status_names: bool        # the wire uses EXTRACTING/BUILDING/PREVIEW/PUBLIC/RETIRED
    slim_list: bool               # list items carry only the summary fields
    patch_fields: frozenset[str]  # the fields a PATCH body may carry
    install_done_status: str = "INSTALLED"  # what a finished install reads (E8/E9 examples)

    def wire_status(self, status: str) -> str:
        """The status name to send (or report) for a current status name."""
        return CURRENT_TO_OLD.get(status, status) if self.old_status_names else status

    def status_from_wire(self, value: Any) -> Any:
        """A status as sent on the wire, in current names (unknown values pass through)."""
        if self.old_status_names and isinstance(value, str):
            return OLD_STATUS_NAMES.get(value.strip().upper(), value)
        return value

    def api_root(self, environment_url: str) -> str:
        """The URL every endpoint path is relative to, for one environment."""
        return environment_url.rstrip("/") + self.base_path


CURRENT = Profile(
    name="current", base_path="/environment-promotion/api/v1",
    capabilities=Capabilities(replace_with_put=False, read_definition=False,
                              reassemble_with_patch=False, install_with_map=True,
                              map_in_prerun_install=False,
                              map_actions=frozenset({"CREATE", "USEEXISTING", "IGNORE",
                                                     "OVERWRITING", "CREATEWITHALTNAME"})),
    old_status_names=False, slim_list=True,
    patch_fields=frozenset({"name", "description", "status"}))

PROFILE_2023 = Profile(
    name="2023", base_path="/environment-promotion/v1",
    capabilities=Capabilities(replace_with_put=True, read_definition=True,
                              reassemble_with_patch=True, install_with_map=False,
                              map_in_prerun_install=True,
                              missing_actions_reason=(
                                  "the July 2023 API knows only CREATE, USEEXISTING and IGNORE: "
                                  "OVERWRITING arrived 2024-03 and CREATEWITHALTNAME 2024-05 "
                                  "(API reference, section 1.4)")),
    old_status_names=True, slim_list=False,
    patch_fields=frozenset({"name", "description", "status", "source", "objectCollections",
                            "version", "metadata", "isPrivate"}),
    install_done_status="COMPLETED")

PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in (CURRENT, PROFILE_2023)})
PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)
DEFAULT_PROFILE = CURRENT.name


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"unknown API profile {name!r}",
            hint=f"use one of: {', '.join(PROFILE_NAMES)}") from None
