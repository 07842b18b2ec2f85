"""Normalised remote objects. Whatever the profile or doc era, responses end up in these.

Unknown statuses and extra fields are kept (``extra="allow"``), never fatal.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def environment_key(value: str | None) -> str | None:
    """An environment as compared: ``https://Acme.my.workfront.com/`` -> ``acme.my.workfront.com``.

    Installations report their environment as a bare host or as a URL; the configuration
    gives URLs. The scheme, query, fragment and trailing slashes go, the host is lower-cased;
    a path after the host is kept (the simulator addresses environments by path prefix).
    """
    if value is None:
        return None
    text = _SCHEME.sub("", str(value).strip()).split("?", 1)[0].split("#", 1)[0].rstrip("/")
    host, _, path = text.partition("/")
    return host.lower() + (f"/{path}" if path else "")


class _Remote(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RemotePackage(_Remote):
    """A package as the service reports it (list item, get, create, patch, put)."""

    id: str
    name: str = ""
    description: str = ""
    status: str | None = None          # normalised to current names; unknown values kept
    version: int | None = None
    source: str | None = None
    createdAt: str | None = None
    createdById: str | None = None
    publishedAt: str | None = None
    retiredAt: str | None = None
    deletedAt: str | None = None
    customerId: str | None = None
    # objCode -> list of entity summaries ({id, name, description, ...}); None when the
    # response did not carry it (list items). Old docs call it displayEntities.
    packageEntities: dict[str, list[dict[str, Any]]] | None = None

    @property
    def deleted(self) -> bool:
        return bool(self.deletedAt)


class TranslationEntry(_Remote):
    name: str = ""
    action: str = ""
    isValid: bool | None = None
    targetId: str = ""
    installationStatus: str | None = None


# objCode -> source record ID -> entry
TranslationMap = dict[str, dict[str, TranslationEntry]]


class Installation(_Remote):
    id: str
    environmentPromotionPackageId: str | None = None   # blueprintId in old docs
    environmentPromotionPackageVersion: int | None = None  # blueprintVersion in old docs
    userId: str | None = None
    customerId: str | None = None
    status: str | None = None
    environment: str | None = None   # normalised to a bare host (no scheme, no trailing /)
    registeredAt: str | None = None
    updatedAt: str | None = None
    translationMap: TranslationMap = Field(default_factory=dict)
