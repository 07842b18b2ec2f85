"""The one table of differences between the API profiles.

``current`` follows the documentation since November 2023 (the service as shipped);
``2023`` follows the seed document's API (July-October 2023), which still had ``PUT``,
``GET /definition`` and re-assembly through ``PATCH``. Everything that differs between the
two lives in a :class:`Profile` row below; the rest of the code asks the profile (or the
client's ``capabilities``) and never compares profile names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from reconciler.api.protocol import Capabilities
from reconciler.domain.remote import CURRENT_TO_OLD
from reconciler.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    base_path: str                 # appended to the environment URL
    capabilities: Capabilities
    # Current status name -> the name written on the wire (PATCH/PUT bodies). Names not in
    # the mapping are sent unchanged.
    status_names_sent: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}))

    def wire_status(self, status: str) -> str:
        """The status name to send for a current (normalised) status name."""
        return self.status_names_sent.get(status, status)

    def api_root(self, environment_url: str) -> str:
        """The URL every endpoint path is relative to, for one environment."""
        return environment_url.rstrip("/") + self.base_path


PROFILES: Mapping[str, Profile] = MappingProxyType({
    "current": Profile(
        name="current",
        base_path="/environment-promotion/api/v1",
        capabilities=Capabilities(replace_with_put=False, read_definition=False,
                                  reassemble_with_patch=False),
    ),
    "2023": Profile(
        name="2023",
        base_path="/environment-promotion/v1",
        capabilities=Capabilities(replace_with_put=True, read_definition=True,
                                  reassemble_with_patch=True),
        # The seed's era named the lifecycle EXTRACTING/BUILDING/PREVIEW/PUBLIC/RETIRED.
        status_names_sent=MappingProxyType(dict(CURRENT_TO_OLD)),
    ),
})


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"unknown API profile {name!r}",
            hint=f"use one of: {', '.join(sorted(PROFILES))}") from None
