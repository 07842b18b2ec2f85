"""What the planner and the apply engine need from one environment's API.

The real client (``reconciler.api.client``) satisfies it over HTTP, for the real service and
for the simulator alike. Callers ask for capabilities, never for profile names.
"""

from __future__ import annotations

from typing import Any, Protocol

from reconciler.domain.profiles import Capabilities
from reconciler.domain.remote import Installation, RemotePackage, TranslationMap


class PromotionAPI(Protocol):
    """One environment's Environment Promotion API. All methods may raise ApiError."""

    capabilities: Capabilities
    environment: str  # the config's environment name

    async def list_packages(self) -> list[RemotePackage]: ...                       # E2
    async def get_package(self, package_id: str) -> RemotePackage: ...             # E3
    async def create_package(self, body: dict[str, Any]) -> RemotePackage: ...      # E1
    async def patch_package(self, package_id: str,
                            fields: dict[str, Any]) -> RemotePackage: ...           # E4
    async def delete_package(self, package_id: str) -> None: ...                    # E5
    async def prepare_installation(self, package_id: str) -> Installation: ...      # E6
    environment_key: str  # the environment's host (and path), as installations name it

    async def install(self, installation_id: str,
                      translation_map: TranslationMap | None = None) -> None: ...   # E7
    async def list_installations(self, package_id: str) -> list[Installation]: ...  # E8
    async def get_installation(self, installation_id: str) -> Installation: ...     # E9
    async def translation_map(self, package_id: str) -> TranslationMap: ...         # E10
    async def install_with_map(self, package_id: str, translation_map: TranslationMap, *,
                               exclude_ids: frozenset[str] = frozenset()) -> str: ...  # E11
    async def get_definition(self, package_id: str) -> dict[str, Any]: ...          # R1
    async def replace_package(self, package_id: str,
                              body: dict[str, Any]) -> RemotePackage: ...           # R2
    async def aclose(self) -> None: ...
