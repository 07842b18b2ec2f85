"""A create the service commits after the client gave up (issue 19, item 1): the POST is sent
again only once the late-commit window has passed with nothing found, and a duplicate the
first POST makes after all is never an exit 0."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from apply_fakes import FakeAPI, body, create, plan_of

from reconciler.api.transport import OutcomeUnknown
from reconciler.apply.engine import ApplyEngine, ApplySettings
from reconciler.apply.idempotent import DuplicateCreated, create_once
from reconciler.clock import FakeClock
from reconciler.domain.remote import RemotePackage
from reconciler.errors import ApiError


@dataclass
class LateAPI(FakeAPI):
    """The first POST gets no answer and is committed ``hold`` seconds later (on the clock),
    or just before the next POST when ``commit_on_next_post``."""

    hold: float = 4.0
    status: int | None = None              # None: a timeout; else the 5xx the client saw
    commit_on_next_post: bool = False
    late: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def _due(self) -> None:
        for item in list(self.late):
            if item[0] <= self.clock.monotonic():
                self.late.remove(item)
                self._commit(item[1])

    def _commit(self, fields: dict[str, Any]) -> str:
        return self.seed(fields["name"], status="DRAFT",
                         description=fields.get("description", ""))

    async def list_packages(self) -> list[RemotePackage]:
        self._due()
        return await super().list_packages()

    async def create_package(self, fields: dict[str, Any]) -> RemotePackage:
        if not any(c[0] == "POST" for c in self.calls):
            self.calls.append(("POST", fields.get("name", "")))
            self.late.append((self.clock.monotonic() + self.hold, fields))
            raise OutcomeUnknown("lost", method="POST", url="/packages", status=self.status)
        if self.commit_on_next_post:
            for item in list(self.late):
                self.late.remove(item)
                self._commit(item[1])
        return await super().create_package(fields)


def _posts(api: FakeAPI) -> int:
    return len([c for c in api.calls if c[0] == "POST"])


def test_a_create_committed_4_s_late_is_found_not_posted_again() -> None:
    api = LateAPI(FakeClock(), hold=4.0)
    found = asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock,
                                    known_ids=set(), window=63.0))
    assert _posts(api) == 1
    assert [p["id"] for p in api.by_name("Agency Onboarding")] == [found.id]
    # It looked more than once, on the clock, and stopped looking once it was found.
    assert len([c for c in api.calls if c == ("GET", "/packages")]) >= 3
    assert 4.0 <= sum(api.clock.sleeps) < 63.0


def test_the_post_is_sent_again_only_after_the_window() -> None:
    api = LateAPI(FakeClock(), hold=10_000.0)
    asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock, known_ids=set(),
                            window=63.0))
    assert _posts(api) == 2
    assert 63.0 - 1e-6 <= sum(api.clock.sleeps) <= 63.0 + 1e-6
    assert max(api.clock.sleeps) <= 10.0


@pytest.mark.parametrize("status", [500, 503])
def test_an_error_the_service_answered_needs_one_look_only(status: int) -> None:
    # The origin answered: its handling is over, so what it committed is visible now.
    api = LateAPI(FakeClock(), hold=10_000.0, status=status)
    asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock, known_ids=set(),
                            window=63.0))
    assert _posts(api) == 2
    assert api.clock.sleeps == []


@pytest.mark.parametrize("status", [None, 502, 504])
def test_a_gateway_error_or_a_timeout_waits_for_the_window(status: int | None) -> None:
    api = LateAPI(FakeClock(), hold=30.0, status=status)
    asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock, known_ids=set(),
                            window=63.0))
    assert _posts(api) == 1 and len(api.by_name("Agency Onboarding")) == 1


def test_a_first_post_committed_after_the_second_is_a_failure_and_is_cleaned_up() -> None:
    api = LateAPI(FakeClock(), hold=10_000.0, commit_on_next_post=True)
    with pytest.raises(DuplicateCreated) as caught:
        asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock,
                                known_ids=set(), window=5.0))
    assert "committed after all" in caught.value.message
    assert len(api.by_name("Agency Onboarding")) == 1       # the twin was deleted
    assert any(c[0] == "DELETE" for c in api.calls)


def test_an_apply_that_made_a_duplicate_never_exits_0() -> None:
    api = LateAPI(FakeClock(), hold=10_000.0, commit_on_next_post=True)
    engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=api.clock,
                         settings=ApplySettings(late_commit_window=5.0))
    report = asyncio.run(engine.run(plan_of(create("Agency Onboarding", "TESTING"))))
    assert report.exit_code == 1
    [result] = report.results
    assert result.error is not None and "committed after all" in result.error


def test_two_lost_answers_with_nothing_found_still_give_up() -> None:
    api = FakeAPI(FakeClock(), refuse_create_answers=2)
    with pytest.raises(ApiError, match="failed twice"):
        asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock,
                                known_ids=set(), window=20.0))
    assert _posts(api) == 2


def test_a_first_post_committed_later_in_the_run_is_found_at_its_end() -> None:
    # The window (5 s) passes, the POST is sent again, the action looks once and finds no
    # twin; the first POST commits 5.5 s after it was sent, while the new package assembles.
    api = LateAPI(FakeClock(), hold=5.5)
    engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=api.clock,
                         settings=ApplySettings(late_commit_window=5.0))
    report = asyncio.run(engine.run(plan_of(create("Agency Onboarding", "TESTING"))))
    assert report.exit_code == 1
    [result] = report.results
    assert result.error is not None and "committed after all" in result.error
    assert [p["status"] for p in api.by_name("Agency Onboarding")] == ["TESTING"]
