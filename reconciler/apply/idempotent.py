"""Creating a package at most once, even when the answer to the POST is lost.

A POST whose answer never arrived (timeout, dropped connection, a gateway error) may or may
not have created the package. It is never simply sent again: the package list is read, and a
package that carries the body's name and ownership marker (same owner, same content digest),
is not deleted, was not known before, and was created after the attempt began, is taken as
ours. Only when no such package exists is the POST sent once more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock
from reconciler.domain.remote import RemotePackage
from reconciler.domain.statuses import text_or_empty
from reconciler.errors import ApiError, AuthError
from reconciler.plan import canonical
from reconciler.plan.ownership import parse_marker

log = logging.getLogger("reconciler.apply")

# A remote clock may run somewhat behind ours; a package created this long before the
# attempt began still counts as created by it (ids known before the run are excluded anyway).
CLOCK_SKEW = 600.0


def answer_lost(exc: ApiError) -> bool:
    """True when a failed POST may nevertheless have taken effect."""
    if isinstance(exc, AuthError):
        return False
    from reconciler.api.transport import OutcomeUnknown

    if exc.status is not None and 200 <= exc.status < 300:
        return True  # accepted, but the answer (HTML, an array, nothing) could not be read
    return isinstance(exc, OutcomeUnknown) or exc.status is None or exc.status >= 500


async def create_once(api: PromotionAPI, body: dict[str, Any], *, clock: Clock,
                      known_ids: Collection[str],
                      on_recovered: Callable[[RemotePackage], None] | None = None,
                      ) -> RemotePackage:
    """POST the package, or find the one an earlier lost POST created; never two."""
    for attempt in (1, 2):
        started = clock.now()
        try:
            return await api.create_package(body)
        except ApiError as exc:
            if not answer_lost(exc):
                raise
            log.warning("create of %r lost its answer (%s); listing packages to find out "
                        "whether it happened", body.get("name"), exc.message)
            found = await find_created(api, body, started=started, known_ids=known_ids)
            if found is not None:
                if on_recovered is not None:
                    on_recovered(found)
                return found
            if attempt == 2:
                raise ApiError(
                    f"creating package {body.get('name')!r} failed twice without a usable "
                    f"answer, and the package list does not show it; last: {exc.message}",
                    hint="check the service, then apply again") from exc
    raise AssertionError("unreachable")


async def find_created(api: PromotionAPI, body: dict[str, Any], *, started: float,
                       known_ids: Collection[str]) -> RemotePackage | None:
    """The package a lost POST of ``body`` created, if it exists (the newest if several)."""
    wanted = parse_marker(body.get("description"))
    known = {i.lower() for i in known_ids}
    name = canonical.name(body.get("name"))  # as the service may store it (NFC, trimmed)
    matches = [p for p in await api.list_packages()
               if canonical.name(p.name) == name and not p.deleted and p.id.lower() not in known
               and _same_owner_content(p, body, wanted)
               and not _created_before(p, started - CLOCK_SKEW)]
    if not matches:
        return None
    matches.sort(key=lambda p: p.createdAt or "")
    return matches[-1]


def _same_owner_content(package: RemotePackage, body: dict[str, Any], wanted: Any) -> bool:
    if wanted is None:  # no marker in the body: fall back to the exact description
        return text_or_empty(package.description) == text_or_empty(body.get("description"))
    return parse_marker(package.description) == wanted


def _created_before(package: RemotePackage, limit: float) -> bool:
    if not package.createdAt:
        return False
    try:
        created = datetime.fromisoformat(package.createdAt.replace("Z", "+00:00"))
    except ValueError:
        return False
    if created.tzinfo is None:
        return False
    return created.timestamp() < limit
