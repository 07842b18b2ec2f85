"""The lifecycle vocabulary: package statuses in both doc eras, installation outcomes.

Statuses are kept in the current names everywhere inside wfpromote; the old names are only
read from and written to the wire (see ``reconciler.domain.profiles``).
"""

from __future__ import annotations

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


def status_name(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    return OLD_STATUS_NAMES.get(text, text)


def text_or_empty(value: object) -> str:
    """null, the string "null", missing and whitespace-only all mean empty."""
    if value is None:
        return ""
    text = str(value)
    return "" if text.strip().lower() in ("", "null") else text


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
