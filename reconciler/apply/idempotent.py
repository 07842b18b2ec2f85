"""Creating a package at most once, even when the answer to the POST is lost.

A POST whose answer never arrived (timeout, dropped connection, a gateway error) may or may
not have created the package. It is never simply sent again: the package list is read, and a
package that carries the body's name and ownership marker (same owner, same content digest),
is not deleted, was not known before, and was created after the attempt began, is taken as
ours. Only when no such package exists is the POST sent once more, and only once the
service can no longer commit the first one: an answer lost on the way (a timeout, a dropped
connection, a gateway's 502/504) may be followed by a commit much later, so the list is read
again, with growing delays on the injected Clock, until ``window`` seconds after the first
POST was sent (``late_commit_window``, docs/apply.md). An error the service itself answered
(500, 503, an unreadable 2xx) ends its handling: one look is enough.

After a second POST that followed an answer that never came, the list is read once more (and
again at the end of the run): a first POST committed after all would be a duplicate. It is
deleted (it was made in this run and never used) and the action fails with
:class:`DuplicateCreated`, so the run never exits 0 when a duplicate was made.
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
# How long after a lost POST the service may still commit it, beyond the request timeout:
# the default window is timeouts.request + this (docs/apply.md, "Idempotency").
LATE_COMMIT_MARGIN = 60.0
# The delays between the looks within the window: first, then growing by half up to the cap.
LOOK_FIRST, LOOK_FACTOR, LOOK_CAP = 1.0, 1.5, 10.0


class DuplicateCreated(ApiError):
    """A create's first, lost POST was committed after all, beside the second one."""


def answer_lost(exc: ApiError) -> bool:
    """True when a failed POST may nevertheless have taken effect."""
    if isinstance(exc, AuthError):
        return False
    from reconciler.api.transport import OutcomeUnknown

    if exc.status is not None and 200 <= exc.status < 300:
        return True  # accepted, but the answer (HTML, an array, nothing) could not be read
    return isinstance(exc, OutcomeUnknown) or exc.status is None or exc.status >= 500


def may_commit_later(exc: ApiError) -> bool:
    """True when the service may still be handling the request whose answer was lost: the
    answer never came (timeout, dropped connection) or a gateway gave up on the origin."""
    return exc.status is None or exc.status in (502, 504)


async def create_once(api: PromotionAPI, body: dict[str, Any], *, clock: Clock,
                      known_ids: Collection[str], window: float = LATE_COMMIT_MARGIN,
                      on_recovered: Callable[[RemotePackage], None] | None = None,
                      on_waiting: Callable[[str], None] | None = None,
                      on_reposted: Callable[[float, RemotePackage], None] | None = None,
                      ) -> RemotePackage:
    """POST the package, or find the one an earlier lost POST created; never two.

    ``window``: seconds after a lost POST was sent during which the service may still commit
    it; the POST is sent again only once that has passed with nothing found."""
    first_started: float | None = None
    late_possible = False       # the first POST may still be committed (no answer came)
    for attempt in (1, 2):
        started = clock.now()
        first_started = started if first_started is None else first_started
        try:
            created = await api.create_package(body)
        except ApiError as exc:
            if not answer_lost(exc):
                raise
            log.warning("create of %r lost its answer (%s); listing packages to find out "
                        "whether it happened", body.get("name"), exc.message)
            later = may_commit_later(exc)
            late_possible = late_possible or later
            if later and on_waiting is not None:
                on_waiting(f"answer lost; looking for the package for up to {window:g} s")
            found = await _look(api, body, clock=clock, started=started, known_ids=known_ids,
                                until=clock.monotonic() + (window if later else 0.0)
                                - (clock.now() - started))
            if found is not None:
                if on_recovered is not None:
                    on_recovered(found)
                return found
            if attempt == 2:
                raise ApiError(
                    f"creating package {body.get('name')!r} failed twice without a usable "
                    f"answer, and the package list does not show it; last: {exc.message}",
                    hint="check the service, then apply again") from exc
            continue
        if attempt == 2 and late_possible:
            await _no_twin(api, body, created, started=first_started, known_ids=known_ids)
            if on_reposted is not None:
                on_reposted(first_started, created)   # looked at again at the end of the run
        return created
    raise AssertionError("unreachable")


async def _look(api: PromotionAPI, body: dict[str, Any], *, clock: Clock, started: float,
                known_ids: Collection[str], until: float) -> RemotePackage | None:
    """Look for the package a lost POST created, now and then again until ``until`` (on the
    clock's monotonic scale) with growing delays."""
    delay = LOOK_FIRST
    while True:
        found = await find_created(api, body, started=started, known_ids=known_ids)
        if found is not None:
            return found
        left = until - clock.monotonic()
        if left <= 0:
            return None
        await clock.sleep(min(delay, left))
        delay = min(LOOK_CAP, delay * LOOK_FACTOR)


async def late_twin(api: PromotionAPI, body: dict[str, Any], created_id: str, *,
                    started: float, known_ids: Collection[str]) -> str | None:
    """At the end of a run: if the first POST of a create that was posted twice has been
    committed since, the duplicate is deleted; the message to fail the action with."""
    twin = await find_created(api, body, started=started, known_ids={*known_ids, created_id})
    if twin is None:
        return None
    try:
        await api.delete_package(twin.id)
    except ApiError as exc:
        return (f"the first, lost POST of package {body.get('name')!r} was committed after "
                f"all: {twin.id} duplicates {created_id}, and deleting it failed "
                f"({exc.message}); the next plan keeps one and retires the other")
    return (f"the first, lost POST of package {body.get('name')!r} was committed after all: "
            f"{twin.id} duplicated {created_id} and was deleted; {created_id} is kept")


async def _no_twin(api: PromotionAPI, body: dict[str, Any], created: RemotePackage, *,
                   started: float, known_ids: Collection[str]) -> None:
    """After a second POST: if the first one was committed after all, delete that twin (made
    in this run, never used) and fail, so the run reports the duplicate."""
    twin = await find_created(api, body, started=started,
                              known_ids={*known_ids, created.id})
    if twin is None:
        return
    try:
        await api.delete_package(twin.id)
    except ApiError as exc:
        raise DuplicateCreated(
            f"the first, lost POST of package {body.get('name')!r} was committed after all: "
            f"{twin.id} duplicates {created.id}, and deleting it failed ({exc.message})",
            hint="apply again: the next plan keeps one of the two and retires the other"
        ) from None
    raise DuplicateCreated(
        f"the first, lost POST of package {body.get('name')!r} was committed after all: "
        f"{twin.id} duplicated {created.id} and was deleted; {created.id} is kept",
        hint="nothing is left to fix; apply again to finish the package's remaining steps")


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
