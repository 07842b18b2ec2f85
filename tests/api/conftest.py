"""Fixtures for the API tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_secret_registry() -> Iterator[None]:
    """The registry is process-wide: keep the fake secrets a test registers out of later tests."""
    from reconciler import redact

    before = set(redact._secrets)
    yield
    with redact._lock:
        redact._secrets.intersection_update(before)
