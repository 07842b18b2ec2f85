"""A POST whose answer is lost never creates a second package."""

from __future__ import annotations

import asyncio
import unicodedata

from apply_fakes import FakeAPI, body, create, plan_of

from reconciler.apply.engine import ApplyEngine
from reconciler.apply.idempotent import create_once, find_created
from reconciler.clock import FakeClock
from reconciler.errors import ApiError


def apply(api: FakeAPI, *names: str) -> None:
    engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=api.clock)
    report = asyncio.run(engine.run(plan_of(*(create(n, "TESTING") for n in names))))
    assert report.exit_code == 0, [r.error for r in report.results]


def test_committed_post_with_lost_answer_is_found_not_repeated() -> None:
    api = FakeAPI(FakeClock(), lose_create_answers=1)
    apply(api, "Agency Onboarding")
    [package] = api.by_name("Agency Onboarding")
    assert package["status"] == "TESTING"
    assert [c for c in api.calls if c[0] == "POST"] == [("POST", "Agency Onboarding")]
    assert ("GET", "/packages") in api.calls


def test_post_that_never_happened_is_sent_once_more() -> None:
    api = FakeAPI(FakeClock(), refuse_create_answers=1)
    apply(api, "Agency Onboarding")
    assert len(api.by_name("Agency Onboarding")) == 1
    assert len([c for c in api.calls if c[0] == "POST"]) == 2


def test_two_lost_answers_without_a_package_give_up() -> None:
    api = FakeAPI(FakeClock(), refuse_create_answers=2)
    try:
        asyncio.run(create_once(api, body("Agency Onboarding"), clock=api.clock,
                                known_ids=set()))
    except ApiError as exc:
        assert "failed twice" in exc.message
    else:
        raise AssertionError("expected ApiError")
    assert len([c for c in api.calls if c[0] == "POST"]) == 2
    assert api.by_name("Agency Onboarding") == []


def test_lookup_ignores_known_foreign_and_other_content_packages() -> None:
    api = FakeAPI(FakeClock())
    known = api.seed("Agency Onboarding", description=body("Agency Onboarding")["description"])
    api.seed("Agency Onboarding", description="someone else's")
    api.seed("Agency Onboarding",
             description=body("Agency Onboarding", digest="c" * 64)["description"])
    found = asyncio.run(find_created(api, body("Agency Onboarding"), started=api.clock.now(),
                                     known_ids={known}))
    assert found is None
    mine = api.seed("Agency Onboarding", description=body("Agency Onboarding")["description"])
    found = asyncio.run(find_created(api, body("Agency Onboarding"), started=api.clock.now(),
                                     known_ids={known}))
    assert found is not None and found.id == mine


def test_lookup_ignores_packages_created_long_before_the_attempt() -> None:
    clock = FakeClock()
    api = FakeAPI(clock)
    api.seed("Agency Onboarding", description=body("Agency Onboarding")["description"])
    clock.advance(3600)
    found = asyncio.run(find_created(api, body("Agency Onboarding"), started=clock.now(),
                                     known_ids=set()))
    assert found is None


def test_lookup_finds_the_package_under_the_name_as_the_service_normalised_it() -> None:
    # Sent in NFD ("e" and a combining accent), stored by the service in NFC: still ours.
    name = unicodedata.normalize("NFD", "Café Onboarding")
    api = FakeAPI(FakeClock())
    mine = api.seed(unicodedata.normalize("NFC", name) + " ",
                    description=body(name)["description"])
    found = asyncio.run(find_created(api, body(name), started=api.clock.now(), known_ids=set()))
    assert found is not None and found.id == mine
