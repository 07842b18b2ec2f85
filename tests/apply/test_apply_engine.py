"""The apply engine against an in-memory API with fake time: steps, order, failures, stops."""

from __future__ import annotations

import asyncio
from dataclasses import replace as dc_replace
from typing import Any

from apply_fakes import (
    LEGACY,
    FakeAPI,
    create,
    delete,
    disable,
    plan_of,
    replace,
    update,
)

from reconciler.apply.engine import ApplyEngine, ApplySettings, chains
from reconciler.apply.poll import PollPolicy
from reconciler.apply.progress import RecordingProgress
from reconciler.apply.report import ApplyReport, Outcome
from reconciler.clock import FakeClock
from reconciler.domain.remote import RemotePackage
from reconciler.plan.model import Plan, ReplaceStrategy


def run(api: FakeAPI, plan: Plan, **settings: Any) -> tuple[ApplyReport, RecordingProgress]:
    progress = RecordingProgress()
    engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=api.clock,
                         settings=ApplySettings(**settings), progress=progress)
    return asyncio.run(engine.run(plan)), progress


def statuses_read(api: FakeAPI) -> list[str | None]:
    """The status of every package read (GET /packages/{id}), in order."""
    seen: list[str | None] = []
    get_package = api.get_package

    async def recorded(package_id: str) -> RemotePackage:
        package = await get_package(package_id)
        seen.append(package.status)
        return package

    api.get_package = recorded  # type: ignore[method-assign]
    return seen


def outcomes(report: ApplyReport) -> list[tuple[str, str, str]]:
    return [(r.action.kind.value, r.action.name, r.outcome.value) for r in report.results]


def test_create_waits_for_assembly_then_sets_the_status() -> None:
    api = FakeAPI(FakeClock())
    report, progress = run(api, plan_of(create("Agency Onboarding", "TESTING")))
    assert outcomes(report) == [("create", "Agency Onboarding", "applied")]
    [package] = api.by_name("Agency Onboarding")
    assert package["status"] == "TESTING"
    assert [c[0] for c in api.calls] == ["POST", "GET", "PATCH"]
    assert report.results[0].package_id == package["id"]
    states = progress.states("Agency Onboarding")
    assert states[0] == "started" and states[1].startswith("posted (id ")
    assert states[2:] == ["assembling", "assembled (DRAFT)", "status TESTING",
                          "done"]
    assert report.exit_code == 0


def test_create_in_draft_sends_no_patch() -> None:
    api = FakeAPI(FakeClock())
    report, _ = run(api, plan_of(create("Campaign Kit")))
    assert report.exit_code == 0
    assert [c[0] for c in api.calls] == ["POST", "GET"]


def test_polling_backs_off_from_the_first_delay_to_the_cap() -> None:
    clock = FakeClock()
    api = FakeAPI(clock, assembly_seconds=40)
    report, _ = run(api, plan_of(create("Slow Package")),
                    poll=PollPolicy(first=1.0, factor=1.5, cap=10.0))
    assert report.exit_code == 0
    gets = [c for c in api.calls if c[0] == "GET"]
    # 1, 1.5, 2.25, 3.375, 5.06, 7.59, 10, 10 -> 40.8 s: 8 looks, not 40
    assert len(gets) == 8
    assert max(clock.sleeps) <= 1.0  # sleeps are sliced so a stop request is noticed


def test_assembly_failure_fails_one_package_and_not_the_others() -> None:
    api = FakeAPI(FakeClock(), fail_assembly_names={"Broken Package"})
    report, _ = run(api, plan_of(create("Broken Package", "ACTIVE"), create("Good Package")))
    assert outcomes(report) == [("create", "Broken Package", "failed"),
                                ("create", "Good Package", "applied")]
    broken = report.results[0]
    assert "assembly failed" in (broken.error or "")
    assert broken.hint and "source environment" in broken.hint
    assert report.exit_code == 1
    # The failed package this run created was deleted (never usable), and the report says so.
    assert api.by_name("Broken Package") == []
    assert "was deleted" in (broken.error or "")
    assert [c[0] for c in api.calls].count("DELETE") == 1


def test_assembly_timeout_names_the_limit() -> None:
    api = FakeAPI(FakeClock(), assembly_seconds=10_000)
    report, _ = run(api, plan_of(create("Stuck Package")), assembly_timeout=30)
    [result] = report.results
    assert result.outcome is Outcome.FAILED
    assert "timed out waiting for assembly after 30 s" in (result.error or "")


def test_update_patches_only_the_changed_fields() -> None:
    api = FakeAPI(FakeClock())
    pid = api.seed("Agency Onboarding", description="old")
    report, _ = run(api, plan_of(update("Agency Onboarding", pid, {"description": "new"})))
    assert report.exit_code == 0
    assert api.calls == [("PATCH", pid)]
    assert api.store[pid].package["description"] == "new"


def test_update_of_a_package_left_assembling_waits_first() -> None:
    clock = FakeClock()
    api = FakeAPI(clock)
    pid = api.seed("Left Over", status="ASSEMBLING")
    api.store[pid].ready_at = clock.monotonic() + 3
    report, _ = run(api, plan_of(update("Left Over", pid, {"status": "TESTING"},
                                        before_status="ASSEMBLING")))
    assert report.exit_code == 0, report.results[0].error
    assert api.store[pid].package["status"] == "TESTING"
    assert api.calls[-1] == ("PATCH", pid)
    assert len(api.by_name("Left Over")) == 1


def test_update_of_a_package_left_assembling_patches_once_the_settled_read_says_so() -> None:
    clock = FakeClock()
    api = FakeAPI(clock)
    pid = api.seed("Left Over", status="ASSEMBLING")
    api.store[pid].ready_at = clock.monotonic() + 3
    action = update("Left Over", pid, {"status": "TESTING"}, before_status="ASSEMBLING")
    seen = statuses_read(api)
    report, _ = run(api, plan_of(action))
    assert report.exit_code == 0, report.results[0].error
    assert api.store[pid].package["status"] == "TESTING"
    assert api.calls[-1] == ("PATCH", pid)
    # The wait's last read said DRAFT: no second read before the PATCH.
    assert seen[-1] == "DRAFT" and "DRAFT" not in seen[:-1]


def test_replace_with_put_writes_a_definition_then_sets_the_status() -> None:
    api = FakeAPI(FakeClock(), capabilities=LEGACY)
    pid = api.seed("Agency Onboarding")
    action = replace("Agency Onboarding", pid, ReplaceStrategy.PUT, status="TESTING",
                     definition={"TMPL": []})
    report, _ = run(api, plan_of(action))
    assert report.exit_code == 0, report.results[0].error
    # R2 is a full replacement: the current version is read first and sent back.
    assert [c[0] for c in api.calls] == ["GET", "PUT"]
    assert len(api.store) == 1 and api.store[pid].package["status"] == "TESTING"


def test_replace_with_put_of_a_package_left_assembling_reads_it_once_settled() -> None:
    clock = FakeClock()
    api = FakeAPI(clock, capabilities=LEGACY)
    pid = api.seed("Left Over", status="ASSEMBLING")
    api.store[pid].ready_at = clock.monotonic() + 3
    seen = statuses_read(api)
    action = replace("Left Over", pid, ReplaceStrategy.PUT, definition={"TMPL": []},
                     before_status="ASSEMBLING")
    report, _ = run(api, plan_of(action))
    assert report.exit_code == 0, report.results[0].error
    assert api.calls[-1] == ("PUT", pid)
    # The read that saw the earlier assembly end gives R2 its version: no second read.
    assert seen[-1] == "DRAFT" and "DRAFT" not in seen[:-1]


def test_replace_by_reference_reassembles_with_patch_from_draft() -> None:
    api = FakeAPI(FakeClock(), capabilities=LEGACY)
    pid = api.seed("Agency Onboarding", status="ACTIVE")
    action = replace("Agency Onboarding", pid, ReplaceStrategy.PUT, status="ACTIVE",
                     before_status="ACTIVE")
    report, progress = run(api, plan_of(action))
    assert report.exit_code == 0, report.results[0].error
    assert [c[0] for c in api.calls] == ["PATCH", "PATCH", "GET", "PATCH"]
    assert api.store[pid].package["status"] == "ACTIVE" and len(api.store) == 1
    assert "re-assembling (PATCH objectCollections)" in progress.states("Agency Onboarding")


def test_create_then_disable_disables_the_old_one_last() -> None:
    api = FakeAPI(FakeClock())
    old = api.seed("Agency Onboarding", status="ACTIVE")
    report, progress = run(api, plan_of(replace(
        "Agency Onboarding", old, ReplaceStrategy.CREATE_THEN_DISABLE, status="ACTIVE")))
    assert report.exit_code == 0, report.results[0].error
    packages = {p["id"]: p for p in api.by_name("Agency Onboarding")}
    assert packages.pop(old)["status"] == "DISABLED"
    [new] = packages.values()
    assert new["status"] == "ACTIVE"
    assert [c[0] for c in api.calls] == ["POST", "GET", "PATCH", "PATCH"]
    assert api.calls[-1] == ("PATCH", old)
    assert progress.states("Agency Onboarding")[-2] == f"old package {old} DISABLED"


def test_create_then_disable_keeps_the_old_one_when_the_new_one_fails() -> None:
    api = FakeAPI(FakeClock(), fail_assembly_names={"Agency Onboarding"})
    old = api.seed("Agency Onboarding", status="ACTIVE")
    report, _ = run(api, plan_of(replace(
        "Agency Onboarding", old, ReplaceStrategy.CREATE_THEN_DISABLE)))
    assert report.exit_code == 1
    assert api.store[old].package["status"] == "ACTIVE"
    assert ("PATCH", old) not in api.calls


def test_disable_and_delete() -> None:
    api = FakeAPI(FakeClock())
    a = api.seed("Retired One")
    b = api.seed("Deleted One")
    report, _ = run(api, plan_of(disable("Retired One", a), delete("Deleted One", b)))
    assert report.exit_code == 0
    assert api.store[a].package["status"] == "DISABLED"
    assert b not in api.store


def test_dependent_actions_run_in_order_and_stop_at_a_failure() -> None:
    api = FakeAPI(FakeClock(), fail_assembly_names={"Agency Onboarding"})
    old = api.seed("Agency Onboarding")
    plan = plan_of(create("Agency Onboarding"), disable("Agency Onboarding", old),
                   create("Independent"))
    assert chains(plan.changes) == [[0, 1], [2]]
    report, _ = run(api, plan)
    assert outcomes(report) == [("create", "Agency Onboarding", "failed"),
                                ("disable", "Agency Onboarding", "skipped"),
                                ("create", "Independent", "applied")]
    assert "depends on the create" in (report.results[1].error or "")
    assert api.store[old].package["status"] == "DRAFT"


def test_fail_fast_starts_nothing_after_the_first_failure() -> None:
    api = FakeAPI(FakeClock(), fail_assembly_names={"A Broken"})
    plan = plan_of(create("A Broken"), create("B Next"), create("C Later"))
    report, _ = run(api, plan, concurrency=1, fail_fast=True)
    assert [r.outcome.value for r in report.results] == ["failed", "skipped", "skipped"]
    assert "--fail-fast" in (report.results[1].error or "")
    assert api.by_name("B Next") == []


def test_concurrency_is_bounded() -> None:
    api = FakeAPI(FakeClock())
    in_flight = 0
    peak = 0
    original = api.create_package

    async def counting(body: dict[str, Any]) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        try:
            return await original(body)
        finally:
            in_flight -= 1

    api.create_package = counting  # type: ignore[method-assign]
    plan = plan_of(*(create(f"Package {i:02d}") for i in range(12)))
    report, _ = run(api, plan, concurrency=3)
    assert report.counts() == {"applied": 12, "failed": 0, "skipped": 0, "blocked": 0}
    assert peak == 3
    assert len(api.store) == 12


def test_a_stop_before_start_skips_everything_with_the_signal_exit_code() -> None:
    api = FakeAPI(FakeClock())
    engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=api.clock)
    engine.request_stop("SIGTERM")
    report = asyncio.run(engine.run(plan_of(create("One Package"), create("Two Package"))))
    assert [r.outcome for r in report.results] == [Outcome.SKIPPED, Outcome.SKIPPED]
    assert report.exit_code == 143 and api.calls == []


def test_a_stop_while_assembling_finishes_the_request_and_skips_the_rest() -> None:
    api = FakeAPI(FakeClock(), assembly_seconds=5)
    engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=api.clock,
                         settings=ApplySettings(concurrency=1))
    original = api.create_package

    async def post_then_interrupt(body: dict[str, Any]) -> Any:
        result = await original(body)
        engine.request_stop("SIGINT")
        return result

    api.create_package = post_then_interrupt  # type: ignore[method-assign]
    report = asyncio.run(engine.run(plan_of(create("First One"), create("Second One"))))
    assert outcomes(report) == [("create", "First One", "failed"),
                                ("create", "Second One", "skipped")]
    assert "interrupted" in (report.results[0].error or "")
    assert report.results[0].package_id == api.by_name("First One")[0]["id"]
    assert report.exit_code == 130
    assert api.by_name("Second One") == []


def test_unknown_environment_fails_the_action_only() -> None:
    api = FakeAPI(FakeClock())
    action = create("Elsewhere")
    report, _ = run(api, plan_of(dc_replace(action, source_env="nowhere"), create("Here")))
    assert outcomes(report) == [("create", "Elsewhere", "failed"), ("create", "Here", "applied")]
