"""The install code outside the pure core, unit by unit (issue 18: the mutation run covers
it): what a failed record, a failed assembly and a finished install report, how installation
statuses are read, and how polling an installation ends. Every assertion is on a message, a
report line or a returned value a user sees."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reconciler.apply.context import RecordLocks, StepContext
from reconciler.apply.install_step import install, record_results
from reconciler.apply.poll import (
    ASSEMBLY_HINT,
    InstallFailed,
    PollPolicy,
    StepFailed,
    WaitTimedOut,
    assembly_failed,
    failed_records,
    wait_for_installation,
)
from reconciler.clock import FakeClock
from reconciler.domain.profiles import Capabilities
from reconciler.domain.remote import Installation, RemotePackage, TranslationEntry
from reconciler.domain.statuses import installation_phase, status_name, text_or_empty
from reconciler.plan.changes import Install, LastInstall
from reconciler.plan.model import Action, Reason
from reconciler.plan.ownership import installation_key
from reconciler.plan.values import FrozenMap


def entry(name: str, action: str, status: str | None = None, **extra: Any) -> TranslationEntry:
    return TranslationEntry(name=name, action=action, isValid=True, targetId="t",
                            installationStatus=status, **extra)


def installation(status: str = "INSTALLED", **codes: dict[str, TranslationEntry]
                 ) -> Installation:
    return Installation(id="inst-1", status=status, translationMap=dict(codes))


def test_failed_records_name_each_failed_record_with_its_undocumented_keys() -> None:
    done = installation("FAILED", GROUP={
        "g1": entry("Default Group", "CREATE", "FAILED", failureReason="exists"),
        "g2": entry("Agency Partners", "CREATE", "installed")},
        ROLE={"r1": entry("", "USEEXISTING", "failed", code=7, why="gone")})
    assert failed_records(done) == [
        "GROUP Default Group (g1, CREATE; failureReason: exists)",
        "ROLE r1 (r1, USEEXISTING; code: 7, why: gone)"]
    # no undocumented key: no "; ..." part, and nothing documented is listed as extra
    plain = installation("FAILED", TMPL={"t1": entry("Launch", "CREATE", "FAILED")})
    assert failed_records(plain) == ["TMPL Launch (t1, CREATE)"]
    assert failed_records(installation()) == []


def test_record_results_count_each_outcome_and_list_the_failed_records() -> None:
    done = installation("FAILED", TMPL={
        "a": entry("A", "CREATE", "INSTALLED"),
        "b": entry("B", "create", "installed"),
        "c": entry("C", "useexisting", "REGISTERED"),
        "d": entry("D", "OVERWRITING", "INSTALLED"),
        "e": entry("E", "USEEXISTING", "installed"),   # a child updated under an overwrite
        "f": entry("F", "ignore"),
        "g": entry("G", "CREATE", "failed", failureReason="no")})
    assert record_results(done) == [
        "records: 2 created, 1 used existing, 2 overwritten, 1 ignored, 1 failed",
        "failed: TMPL G (g, CREATE; failureReason: no)"]
    assert record_results(installation()) == [
        "records: 0 created, 0 used existing, 0 overwritten, 0 ignored, 0 failed"]


def test_a_failed_assembly_says_what_the_service_said_in_the_first_field_it_has() -> None:
    for key in ("failureReason", "reason", "error", "message", "statusMessage"):
        failed = assembly_failed(RemotePackage(id="p", status="ASSEMBLING_FAILED",
                                               **{key: "TMPL x not found"}))
        assert (failed.message, failed.reason, failed.package_id, failed.hint) == (
            "assembly failed for package p: TMPL x not found", "TMPL x not found", "p",
            ASSEMBLY_HINT)
    first = assembly_failed(RemotePackage(id="p", failureReason="", reason="second",
                                          error="third"))
    assert first.reason == "second"
    silent = assembly_failed(RemotePackage(id="p", status="ASSEMBLING_FAILED"))
    assert (silent.message, silent.reason) == ("assembly failed for package p", "")


def test_installation_statuses_and_package_status_names() -> None:
    assert [installation_phase(s) for s in (
        "PREPARING", "preparing", "", None, "INSTALLED", "completed", "FAILED",
        "INSTALL_FAILED", "failed", "RUNNING", "REGISTERED")] == [
        "pending", "pending", "pending", "pending", "succeeded", "succeeded", "failed",
        "failed", "failed", "running", "running"]
    assert [status_name(s) for s in ("EXTRACTING", " building ", "PREVIEW", "public",
                                     "RETIRED", "ACTIVE", "UNASSEMBLED", None)] == [
        "ASSEMBLING", "DRAFT", "TESTING", "ACTIVE", "DISABLED", "ACTIVE", "UNASSEMBLED",
        None]
    assert [text_or_empty(v) for v in (None, "null", " NULL ", "", "  ", "text", 0)] == [
        "", "", "", "", "", "text", "0"]


class Installs:
    """GET /installations/{id} answering a scripted sequence of statuses."""

    def __init__(self, *statuses: str, **codes: dict[str, TranslationEntry]) -> None:
        self.statuses = list(statuses)
        self.codes = codes
        self.reads = 0

    async def get_installation(self, installation_id: str) -> Installation:
        self.reads += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return Installation(id=installation_id, status=status, translationMap=self.codes)


def wait(api: Installs, clock: FakeClock, timeout: float = 60.0,
         stopping: Any = lambda: False) -> Installation:
    return asyncio.run(wait_for_installation(
        api, "inst-9", clock=clock, timeout=timeout,  # type: ignore[arg-type]
        policy=PollPolicy(first=1.0, factor=2.0, cap=4.0), stopping=stopping))


def test_polling_an_installation_until_it_succeeds_backing_off() -> None:
    clock = FakeClock()
    api = Installs("PREPARING", "RUNNING", "RUNNING", "INSTALLED")
    start = clock.monotonic()
    done = wait(api, clock)
    assert (done.status, api.reads) == ("INSTALLED", 4)
    assert clock.monotonic() - start == pytest.approx(1 + 2 + 4 + 4)


def test_a_failed_installation_carries_its_records_and_a_timeout_names_the_status() -> None:
    clock = FakeClock()
    api = Installs("RUNNING", "FAILED", GROUP={
        "g": entry("Default Group", "CREATE", "FAILED", failureReason="exists")})
    with pytest.raises(InstallFailed) as failed:
        wait(api, clock)
    assert failed.value.message == (
        "installation inst-9 failed (status FAILED); failed records: GROUP Default Group "
        "(g, CREATE; failureReason: exists)")
    assert failed.value.installation is not None
    assert failed.value.installation.status == "FAILED"
    assert failed.value.hint and "a failed install is retried" in failed.value.hint
    clock = FakeClock()
    with pytest.raises(WaitTimedOut) as late:
        wait(Installs("PREPARING"), clock, timeout=10)
    assert late.value.message == ("timed out waiting for installation after 10 s "
                                  "(installation inst-9 still reads status 'PREPARING')")
    assert late.value.hint and "timeouts.install" in late.value.hint


# --- the install step against a scripted API ---------------------------------------------

EDITING = Capabilities(replace_with_put=False, read_definition=False,
                       reassemble_with_patch=False, install_with_map=True,
                       map_actions=frozenset({"CREATE", "USEEXISTING", "IGNORE",
                                              "OVERWRITING"}))
PRERUN_MAP = Capabilities(replace_with_put=True, read_definition=True,
                          reassemble_with_patch=True, map_in_prerun_install=True)
NEITHER = Capabilities(replace_with_put=False, read_definition=False,
                       reassemble_with_patch=False)


class Scripted:
    """One target environment: what each install request was, in order."""

    environment_key = "acme.preview.workfront.com"

    def __init__(self, capabilities: Capabilities, history: list[Installation] | None = None,
                 final: str = "INSTALLED") -> None:
        self.capabilities = capabilities
        self.calls: list[tuple[Any, ...]] = []
        self.history = history or []
        self.final = final

    def map(self) -> dict[str, dict[str, TranslationEntry]]:
        return {"TMPL": {"t1": TranslationEntry(name="Launch", action="USEEXISTING",
                                                 targetId="x1")},
                "TTSK": {"k1": TranslationEntry(name="Brief", action="CREATE")}}

    async def get_package(self, package_id: str) -> RemotePackage:
        self.calls.append(("E3", package_id))   # the parent links of the IGNORE cascade
        return RemotePackage(id=package_id, packageEntities={})

    async def list_installations(self, package_id: str) -> list[Installation]:
        self.calls.append(("E8", package_id))
        return self.history

    async def translation_map(self, package_id: str) -> Any:
        self.calls.append(("E10", package_id))
        return self.map()

    async def prepare_installation(self, package_id: str) -> Installation:
        self.calls.append(("E6", package_id))
        return Installation(id="pre-1", status="PREPARING", translationMap=self.map())

    async def install(self, installation_id: str, translation_map: Any = None) -> None:
        self.calls.append(("E7", installation_id, translation_map is not None))

    async def install_with_map(self, package_id: str, translation_map: Any, *,
                               exclude_ids: frozenset[str] = frozenset()) -> str:
        actions = {sid: e.action for records in translation_map.values()
                   for sid, e in records.items()}
        self.calls.append(("E11", package_id, tuple(sorted(actions.items())),
                           tuple(sorted(exclude_ids))))
        return "inst-11"

    async def get_installation(self, installation_id: str) -> Installation:
        self.calls.append(("E9", installation_id))
        tmap = {"TMPL": {"t1": TranslationEntry(name="Launch", action="OVERWRITING",
                                                 installationStatus="INSTALLED")}}
        return Installation(id=installation_id, status=self.final, translationMap=tmap)


def run_install(api: Scripted, change: Install, *, reason: Reason = Reason.INSTALL_REQUESTED,
                recheck: bool = False, said: list[str] | None = None) -> StepContext:
    action = Action(name="Launch", reason=reason, change=change, package_id="p-1",
                    origin="promotions/a.yaml:3")
    ctx = StepContext(clients={"preview": api}, default_env="preview",  # type: ignore[dict-item]
                      clock=FakeClock(), policy=PollPolicy(first=1.0), assembly_timeout=60,
                      install_timeout=60, known_ids=set(), group_ids={},
                      recheck_installs=recheck,
                      say=(said.append if said is not None else lambda text: None))
    asyncio.run(install(action, change, ctx))
    return ctx


def test_an_edited_install_under_current_reads_its_map_from_e10_and_installs_with_e11() -> None:
    api = Scripted(EDITING)
    said: list[str] = []
    ctx = run_install(api, Install(environment="preview", existing="overwrite",
                                   overrides=FrozenMap({"TTSK": {"k1": "IGNORE"}})), said=said)
    assert api.calls == [("E10", "p-1"), ("E3", "p-1"),
                         ("E11", "p-1", (("k1", "IGNORE"), ("t1", "OVERWRITING")), ()),
                         ("E9", "inst-11")]
    assert ctx.details == ["records: 0 created, 0 used existing, 1 overwritten, 0 ignored, "
                           "0 failed", "overwriting: TMPL Launch"]
    assert said.index("overwriting in preview: TMPL Launch") < said.index(
        "installing (installation inst-11)")
    assert said[-1] == "installed in preview" and ctx.wrote


def test_an_unedited_install_pre_runs_and_installs_the_map_as_it_is() -> None:
    for capabilities in (EDITING, PRERUN_MAP, NEITHER):
        api = Scripted(capabilities)
        ctx = run_install(api, Install(environment="preview"))
        assert api.calls == [("E6", "p-1"), ("E7", "pre-1", False), ("E9", "pre-1")]
        assert ctx.details == ["records: 0 created, 0 used existing, 1 overwritten, "
                               "0 ignored, 0 failed"]


def test_an_edited_install_under_2023_sends_its_map_with_e7_and_elsewhere_is_refused() -> None:
    api = Scripted(PRERUN_MAP)
    ignore = FrozenMap({"TTSK": {"k1": "IGNORE"}})
    run_install(api, Install(environment="preview", overrides=ignore))
    assert api.calls == [("E6", "p-1"), ("E3", "p-1"), ("E7", "pre-1", True),
                         ("E9", "pre-1")]
    api = Scripted(NEITHER)
    with pytest.raises(StepFailed) as refused:
        run_install(api, Install(environment="preview", overrides=ignore))
    assert refused.value.message == ("the API profile of 'preview' offers no way to install "
                                     "an edited translation map")
    assert refused.value.hint == "drop the overrides and `existing: overwrite`"
    assert api.calls == [("E6", "p-1"), ("E3", "p-1")]


def test_a_recheck_skips_an_install_of_this_content_only() -> None:
    done = Installation(id="old-1", environmentPromotionPackageId="p-1", status="INSTALLED",
                        environment="acme.preview.workfront.com")
    api = Scripted(EDITING, history=[done])
    ctx = run_install(api, Install(environment="preview"), recheck=True)
    assert api.calls == [("E8", "p-1")]
    assert ctx.details == ["already installed (installation old-1)"]
    # the marker lists it as an install of earlier content: installed again
    api = Scripted(EDITING, history=[done])
    run_install(api, Install(environment="preview",
                             prior=frozenset({installation_key("old-1")})), recheck=True)
    assert [c[0] for c in api.calls] == ["E8", "E6", "E7", "E9"]
    # no look at the history for a new version, nor without recheck
    api = Scripted(EDITING, history=[done])
    run_install(api, Install(environment="preview"), reason=Reason.NEW_VERSION, recheck=True)
    assert api.calls[0] == ("E6", "p-1")


def test_a_running_earlier_install_is_waited_for_and_a_failed_one_is_replaced() -> None:
    last = LastInstall("run-1", "RUNNING")
    api = Scripted(EDITING)
    ctx = run_install(api, Install(environment="preview", last=last))
    assert api.calls == [("E9", "run-1")]
    assert ctx.details[0] == "an earlier installation (run-1) finished"
    api = Scripted(EDITING, final="FAILED")
    with pytest.raises(InstallFailed):
        run_install(api, Install(environment="preview", last=last))
    assert [c[0] for c in api.calls] == ["E9", "E6", "E7", "E9"]


def test_a_failed_install_without_failed_records_and_one_with_several() -> None:
    clock = FakeClock()
    with pytest.raises(InstallFailed) as bare:
        wait(Installs("FAILED"), clock)
    assert bare.value.message == "installation inst-9 failed (status FAILED)"
    assert bare.value.hint == ("fix the failed records in the source (or ignore them in "
                               "overrides), then apply again: a failed install is retried")
    two = Installs("INSTALL_FAILED", GROUP={
        "g1": entry("Default Group", "CREATE", "FAILED"),
        "g2": entry("Agency Partners", "CREATE", "FAILED")})
    with pytest.raises(InstallFailed) as several:
        wait(two, FakeClock())
    assert several.value.message == (
        "installation inst-9 failed (status INSTALL_FAILED); failed records: GROUP Default "
        "Group (g1, CREATE); GROUP Agency Partners (g2, CREATE)")
    counted = installation("FAILED", GROUP={
        "g1": entry("A", "CREATE", "FAILED"), "g2": entry("B", "CREATE", "FAILED"),
        "g3": entry("C", "USEEXISTING", "REGISTERED"),
        "g4": entry("D", "USEEXISTING", "REGISTERED")})
    assert record_results(counted)[0] == ("records: 0 created, 2 used existing, "
                                          "0 overwritten, 0 ignored, 2 failed")


def test_a_stop_while_an_installation_runs_ends_the_wait() -> None:
    from reconciler.apply.poll import Interrupted

    clock = FakeClock()
    looks = Installs("RUNNING")
    with pytest.raises(Interrupted) as stopped:
        wait(looks, clock, stopping=lambda: looks.reads >= 2)
    assert stopped.value.message == "interrupted while installation inst-9 was running"
    assert looks.reads == 2
    api = Scripted(EDITING, final="RUNNING")
    action = Action(name="Launch", reason=Reason.INSTALL_REQUESTED, package_id="p-1",
                    change=Install(environment="preview"))
    ctx = StepContext(clients={"preview": api}, default_env="preview",  # type: ignore[dict-item]
                      clock=FakeClock(), policy=PollPolicy(first=1.0), assembly_timeout=60,
                      install_timeout=600, known_ids=set(), group_ids={},
                      recheck_installs=False,
                      stopping=lambda: sum(1 for c in api.calls if c[0] == "E9") >= 1)
    with pytest.raises(Interrupted):
        asyncio.run(install(action, Install(environment="preview"), ctx))
    assert [c[0] for c in api.calls] == ["E6", "E7", "E9"]


def test_a_pre_run_map_that_edits_itself_goes_through_e11_under_current() -> None:
    """A CREATE whose pre-run entry carries a targetId is sent with "" (reference E10 text),
    so the map changed: under current it goes to E11, the pre-run's record excluded from
    the history fallback."""
    api = Scripted(EDITING)
    api.map = lambda: {"TTSK": {"k1": TranslationEntry(  # type: ignore[method-assign]
        name="Brief", action="CREATE", targetId="stale")}}
    run_install(api, Install(environment="preview"))
    assert api.calls == [("E6", "p-1"), ("E11", "p-1", (("k1", "CREATE"),), ("pre-1",)),
                         ("E9", "inst-11")]


async def sharing(api: Scripted, env: str, package_id: str,
                  overrides: dict[str, dict[str, str]], locks: RecordLocks,
                  said: list[str]) -> None:
    """One install of ``package_id`` into ``env`` that shares the record ``locks`` with the
    installs run beside it."""
    change = Install(environment=env, overrides=FrozenMap(overrides))
    action = Action(name="Launch", reason=Reason.INSTALL_REQUESTED, change=change,
                    package_id=package_id)
    ctx = StepContext(clients={env: api}, default_env=env,  # type: ignore[dict-item]
                      clock=FakeClock(), policy=PollPolicy(first=1.0), assembly_timeout=60,
                      install_timeout=60, known_ids=set(), group_ids={},
                      recheck_installs=False, say=said.append, record_locks=locks)
    await install(action, change, ctx)


def test_edited_installs_sharing_records_take_turns_and_read_the_map_again() -> None:
    said: list[str] = []

    async def both(envs: tuple[str, str]) -> list[Scripted]:
        apis = [Scripted(EDITING), Scripted(EDITING)]
        locks, ignore = RecordLocks(), {"TTSK": {"k1": "IGNORE"}}
        await asyncio.gather(*(sharing(api, env, "p-1", ignore, locks, said)
                               for api, env in zip(apis, envs, strict=True)))
        return apis

    first, second = asyncio.run(both(("preview", "preview")))
    assert [c[0] for c in first.calls] == ["E10", "E3", "E11", "E9"]
    assert [c[0] for c in second.calls] == ["E10", "E10", "E3", "E11", "E9"]
    assert said.count("translation map of preview read") == 2
    assert said.count("translation map of preview read again") == 1
    # into two environments: no turn to take
    said.clear()
    first, second = asyncio.run(both(("preview", "production")))
    assert [c[0] for c in second.calls] == ["E10", "E3", "E11", "E9"]
    assert "translation map of production read" in said
    assert not [s for s in said if "again" in s]


class Assembling:
    """GET /packages/{id} answering a scripted sequence of statuses."""

    def __init__(self, *statuses: str | None) -> None:
        self.statuses = list(statuses)
        self.reads = 0

    async def get_package(self, package_id: str) -> RemotePackage:
        self.reads += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return RemotePackage(id=package_id, status=status)


def assemble(api: Assembling, *, timeout: float = 60.0, stopping: Any = lambda: False,
             on_status: Any = None) -> RemotePackage:
    from reconciler.apply.poll import wait_for_assembly

    return asyncio.run(wait_for_assembly(
        api, "p-7", clock=FakeClock(), timeout=timeout,  # type: ignore[arg-type]
        policy=PollPolicy(first=1.0, factor=2.0, cap=4.0), stopping=stopping,
        on_status=on_status))


def test_waiting_for_assembly_reports_each_new_status_once() -> None:
    seen: list[str] = []
    done = assemble(Assembling("ASSEMBLING", "assembling", "UNASSEMBLED", "DRAFT"),
                    on_status=seen.append)
    assert done.status == "DRAFT" and seen == ["ASSEMBLING", "UNASSEMBLED", "DRAFT"]
    awaited: list[str] = []

    async def later(status: str) -> None:
        awaited.append(status)

    assemble(Assembling(None), on_status=later)
    assert awaited == [""]
    assert assemble(Assembling("TESTING")).status == "TESTING"


def test_waiting_for_assembly_fails_times_out_and_stops_with_clear_messages() -> None:
    from reconciler.apply.poll import AssemblyFailed, Interrupted

    with pytest.raises(AssemblyFailed) as failed:
        assemble(Assembling("ASSEMBLING", "ASSEMBLING_FAILED"))
    assert failed.value.message == "assembly failed for package p-7"
    with pytest.raises(WaitTimedOut) as late:
        assemble(Assembling("ASSEMBLING"), timeout=5)
    assert late.value.message == ("timed out waiting for assembly after 5 s (package p-7 is "
                                  "still ASSEMBLING)")
    assert late.value.hint == ("raise timeouts.assembly in wfpromote.yaml, or apply again "
                               "later: the next run waits for this package")
    api = Assembling("ASSEMBLING")
    with pytest.raises(Interrupted) as stopped:
        assemble(api, stopping=lambda: api.reads >= 1)
    assert stopped.value.message == "interrupted while package p-7 was assembling"
    assert stopped.value.hint == "run apply again: it picks up the package where it is"
    with pytest.raises(WaitTimedOut) as install_late:
        wait(Installs("RUNNING"), FakeClock(), timeout=3)
    assert install_late.value.hint == ("raise timeouts.install in wfpromote.yaml; the next "
                                       "apply looks at the installation history before "
                                       "installing again")


def test_what_an_install_says_and_records_on_each_path() -> None:
    said: list[str] = []
    ctx = run_install(Scripted(EDITING), Install(environment="preview"), said=said)
    assert said == ["pre-run in preview (installation pre-1)",
                    "installing (installation pre-1)", "installed in preview"]
    assert (ctx.package_id, ctx.wrote) == ("p-1", True)
    done = Installation(id="old-1", environmentPromotionPackageId="p-1", status="INSTALLED",
                        environment="acme.preview.workfront.com")
    said.clear()
    ctx = run_install(Scripted(EDITING, history=[done]), Install(environment="preview"),
                      recheck=True, said=said)
    assert said == ["already installed in preview (installation old-1)"]
    assert (ctx.package_id, ctx.wrote) == ("p-1", False)
    said.clear()
    with pytest.raises(InstallFailed):
        run_install(Scripted(EDITING, final="FAILED"),
                    Install(environment="preview", last=LastInstall("run-1", "RUNNING")),
                    said=said)
    assert said[:3] == ["waiting for installation run-1, still running in preview",
                        "installation run-1 failed; installing again",
                        "pre-run in preview (installation pre-1)"]


def test_an_earlier_install_is_waited_for_only_while_it_runs() -> None:
    for status in ("FAILED", None, "PREPARING", ""):
        api = Scripted(EDITING)
        run_install(api, Install(environment="preview", last=LastInstall("old-1", status)))
        assert [c[0] for c in api.calls] == ["E6", "E7", "E9"], status
    from reconciler.apply.poll import Interrupted

    api = Scripted(EDITING, final="RUNNING")
    change = Install(environment="preview", last=LastInstall("run-1", "RUNNING"))
    action = Action(name="Launch", reason=Reason.INSTALL_FAILED, change=change,
                    package_id="p-1")
    ctx = StepContext(clients={"preview": api}, default_env="preview",  # type: ignore[dict-item]
                      clock=FakeClock(), policy=PollPolicy(first=1.0), assembly_timeout=60,
                      install_timeout=600, known_ids=set(), group_ids={},
                      recheck_installs=False, stopping=lambda: len(api.calls) >= 2)
    with pytest.raises(Interrupted):
        asyncio.run(install(action, change, ctx))
    assert api.calls == [("E9", "run-1"), ("E9", "run-1")]


def test_the_package_made_earlier_in_the_group_is_the_one_installed() -> None:
    api = Scripted(EDITING)
    change = Install(environment="preview")
    # the planned id is the old version's: a replace made a new package earlier in the group
    action = Action(name="Launch", reason=Reason.NEW_VERSION, change=change,
                    package_id="p-old")
    ctx = StepContext(clients={"preview": api}, default_env="preview",  # type: ignore[dict-item]
                      clock=FakeClock(), policy=PollPolicy(first=1.0), assembly_timeout=60,
                      install_timeout=60, known_ids=set(), group_ids={"Launch": "p-new"})
    asyncio.run(install(action, change, ctx))
    assert api.calls[0] == ("E6", "p-new") and ctx.package_id == "p-new"


def test_a_refused_map_names_its_environment_and_overwrites_are_listed_in_full() -> None:
    from reconciler.plan.translation import MapRefused

    with pytest.raises(MapRefused) as refused:
        run_install(Scripted(EDITING), Install(environment="preview",
                                               overrides=FrozenMap({"TMPL": {"nope": "IGNORE"}})))
    assert refused.value.message.startswith("install into 'preview': override(s) name ")
    api = Scripted(EDITING)
    api.map = lambda: {"TMPL": {  # type: ignore[method-assign]
        "t1": TranslationEntry(name="Launch", action="USEEXISTING", targetId="x1"),
        "t2": TranslationEntry(name="Review", action="USEEXISTING", targetId="x2")}}
    said: list[str] = []
    ctx = run_install(api, Install(environment="preview", existing="overwrite"), said=said)
    assert "overwriting in preview: TMPL Launch, TMPL Review" in said
    assert ctx.details[-1] == "overwriting: TMPL Launch, TMPL Review"


def test_pre_runs_sharing_records_take_turns_only_within_one_environment() -> None:
    said: list[str] = []

    async def both(envs: tuple[str, str], edited: bool) -> list[Scripted]:
        apis = [Scripted(EDITING), Scripted(EDITING)]
        locks = RecordLocks()
        overrides = {"TTSK": {"k1": "IGNORE"}} if edited else {}
        await asyncio.gather(*(sharing(api, env, pid, overrides, locks, said)
                               for api, env, pid in zip(apis, envs, ("p-1", "p-2"),
                                                        strict=True)))
        return apis

    _first, second = asyncio.run(both(("preview", "preview"), edited=False))
    assert [c[:2] for c in second.calls] == [("E6", "p-2"), ("E6", "p-2"), ("E7", "pre-1"),
                                             ("E9", "pre-1")]
    assert "pre-run again in preview (installation pre-1)" in said
    said.clear()
    _first, second = asyncio.run(both(("preview", "production"), edited=False))
    assert [c[0] for c in second.calls] == ["E6", "E7", "E9"]
    assert not [s for s in said if "again" in s]
    _first, second = asyncio.run(both(("preview", "preview"), edited=True))
    assert [c[:2] for c in second.calls][:3] == [("E10", "p-2"), ("E10", "p-2"), ("E3", "p-2")]
