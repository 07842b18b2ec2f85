"""Normalised remote objects. Whatever the profile or doc era, responses end up in these.

Unknown statuses and extra fields are kept (``extra="allow"``), never fatal.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Old (2023-07) package status names -> current ones.
OLD_STATUS_NAMES: dict[str, str] = {
    "EXTRACTING": "ASSEMBLING",
    "BUILDING": "DRAFT",
    "PREVIEW": "TESTING",
    "PUBLIC": "ACTIVE",
    "RETIRED": "DISABLED",
}
CURRENT_TO_OLD: dict[str, str] = {v: k for k, v in OLD_STATUS_NAMES.items()}

PACKAGE_STATUSES = ("UNASSEMBLED", "ASSEMBLING", "ASSEMBLING_FAILED", "DRAFT", "TESTING",
                    "ACTIVE", "DISABLED")


def normalise_status(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    return OLD_STATUS_NAMES.get(text, text)


def normalise_text(value: object) -> str:
    """null, the string "null", missing and whitespace-only all mean empty."""
    if value is None:
        return ""
    text = str(value)
    return "" if text.strip().lower() in ("", "null") else text


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


INSTALL_DONE = frozenset({"INSTALLED", "COMPLETED"})


def installation_phase(status: str | None) -> str:
    """Classify an installation status: "pending", "running", "succeeded" or "failed"."""
    text = (status or "").upper()
    if text == "PREPARING" or not text:
        return "pending"
    if text in INSTALL_DONE:
        return "succeeded"
    if "FAIL" in text:
        return "failed"
    return "running"
