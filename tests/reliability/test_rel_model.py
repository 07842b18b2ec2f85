"""A stateful model test (hypothesis RuleBasedStateMachine) against the in-process simulator.

Rules edit the repository (add, remove, rename, change content, description or status,
revert to an earlier content, a rollback, pin an id), perturb the remote behind the tool's
back (disable, delete, hand-made packages with and without the marker, another owner's
package), inject faults (5xx, 429, answers lost after the
commit), a late commit (a create's POST committed seconds to minutes after the client gave up
on it), a kill after a random number of requests or during an install (which the simulator
reports as PREPARING while it runs), and run plan or apply.

After every successful apply: the next plan is empty; no two live owned packages share a
name (an apply that exits 0 never leaves a duplicate); nothing not owned was touched; every
declared package exists with its declared status and content digest. After every apply,
whatever its end: never two successful installs of one package version into one
environment (but for an install a rollback made again, whose earlier one the marker lists as
``prior``), and every declared package that had a usable version still has one. A clean
apply must succeed within three runs (and the tally says how many needed more than one).
`make test` runs a bounded number of examples, `make soak` many more.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from relkit import INJECTED, OBJECTS, OWNER, TALLY, count, doc, object_id

from reconciler.clock import FakeClock
from reconciler.desired.config import load_config
from reconciler.desired.loader import load_packages
from reconciler.errors import WfpromoteError
from reconciler.plan.model import Reason
from reconciler.plan.ownership import installation_key, parse_marker, with_marker
from reconciler.run.applying import ApplyRequest, run_apply
from reconciler.run.planning import PlanOptions, make_plan
from reconciler.run.settings import load_settings
from reconciler.simulator.core import Simulator
from reconciler.simulator.embedded import EmbeddedTransport
from reconciler.simulator.errors import SimError
from reconciler.simulator.faults import FaultInjector, Faults

EXAMPLES = count(80, 1000)
STEPS = 20
NAMES = ("Agency Onboarding", "Campaign Kit", "Client Intake", "Dashboard Pack")
HAND_MADE = ("Hand Made Report", "Someone Else's Kit")
STATUSES = ("DRAFT", "TESTING", "ACTIVE")
ENVIRONMENTS = {"sandbox": "sandbox", "preview": "preview", "production": "production"}


def counting_ids() -> Callable[[], uuid.UUID]:
    """The simulator's id factory for one example: ids counted from 1.

    Rules pick packages by index into lists sorted by id; with random ids the same choices
    would pick other packages when hypothesis runs a prefix again, and the runs would differ
    (hypothesis then stops with "inconsistent data generation")."""
    numbers = itertools.count(1)
    return lambda: uuid.UUID(int=next(numbers))


class Killed(BaseException):
    """The process died (as with SIGKILL): nothing more reaches the server."""


class KillableTransport(httpx.AsyncBaseTransport):
    """The embedded simulator's transport, which can "die" after a number of requests or at
    the first POST whose path ends with ``kill_on``; the last request may or may not have
    been handled by the server. It can also hold a create (``late_hold``): the client sees a
    timeout, and the POST is committed once the clock has passed the hold, before the next
    request (not while ``frozen``: the checks between rules)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: FakeClock) -> None:
        self.inner = inner
        self.clock = clock
        self.kill_after: int | None = None
        self.kill_on: str | None = None
        self.commit_last = False
        self.count = 0
        self.dead = False
        self.late_hold: float | None = None
        self.held: list[tuple[float, httpx.Request, int]] = []   # (when, request, run)
        self.run = 0              # which apply is running (the machine counts them)
        self.strays = 0           # held creates of an earlier run committed in this one
        self.frozen = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            raise Killed
        self.count += 1
        if not self.frozen:
            for item in [h for h in self.held if h[0] <= self.clock.now()]:
                self.held.remove(item)
                INJECTED["model: late commit committed"] += 1
                self.strays += item[2] != self.run
                await self.inner.handle_async_request(item[1])
        killing = self.kill_after is not None and self.count >= self.kill_after
        if self.kill_on is not None and request.method == "POST" and \
                request.url.path.endswith(self.kill_on):
            killing = True
            INJECTED[f"model: kill at {self.kill_on}"] += 1
        if killing:
            self.dead = True
            if self.commit_last:
                await self.inner.handle_async_request(request)
            raise Killed
        if self.late_hold is not None and request.method == "POST" and \
                request.url.path.endswith("/packages"):
            self.held.append((self.clock.now() + self.late_hold, request, self.run))
            self.late_hold = None
            INJECTED["model: late commit"] += 1
            raise httpx.ReadTimeout("held by the late-commit fault", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:   # shared by every run of the machine
        return None


class CountingInjector(FaultInjector):
    """The simulator's fault knobs, counting what they inject."""

    def error_for(self) -> int | None:
        status = super().error_for()
        if status is not None:
            INJECTED[f"model: HTTP {status}"] += 1
        return status

    def drop_after_create(self) -> bool:
        drop = super().drop_after_create()
        if drop:
            INJECTED["model: answer lost after commit"] += 1
        return drop


_CURRENT: dict[str, KillableTransport] = {}


def _transport(config: Any, **_: Any) -> KillableTransport:
    return _CURRENT["transport"]


class Reconciler(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="wfp-model-"))
        (self.root / "promotions").mkdir()
        self.clock = FakeClock()
        self.files: dict[str, dict[str, Any]] = {}      # file name -> package document
        self.earlier: dict[str, list[Any]] = {}           # file name -> earlier contents
        self.prior: dict[str, set[str]] = {}              # package id -> marker prior keys
        self.unowned: dict[str, tuple[str, str, str]] = {}  # id -> (name, description, status)
        self.last_code: int | None = None
        self.faulty = False

    # --- setup -------------------------------------------------------------------------

    @initialize(profile=st.sampled_from(("current", "2023")),
                prune=st.sampled_from(("disable", "delete")),
                assembly=st.sampled_from((0.0, 3.0)),
                install=st.sampled_from((0.0, 5.0, 5.0)))
    def setup(self, profile: str, prune: str, assembly: float, install: float) -> None:
        self.profile = profile
        self.sim = Simulator(environments=ENVIRONMENTS, clock=self.clock,
                             assembly_seconds=assembly, install_seconds=install,
                             ids=counting_ids())
        self.injector = CountingInjector()
        self.transport = KillableTransport(EmbeddedTransport(self.sim, self.injector, profile),
                                           self.clock)
        _CURRENT["transport"] = self.transport
        envs = "\n".join(f"  {name}: {{url: simulator, kind: {name}}}" for name in ENVIRONMENTS)
        (self.root / "wfpromote.yaml").write_text(
            f"api: '{profile}'\nowner: {OWNER}\npackages: promotions/\nprune: {prune}\n"
            "safety: {max_change_percent: 100, min_managed: 1}\n"
            f"simulator: {{assembly_seconds: {assembly}}}\n"
            f"environments:\n{envs}\n", encoding="utf-8")

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the repository ----------------------------------------------------------------

    def _names(self) -> set[str]:
        return {d["name"] for d in self.files.values()}

    def _write(self, filename: str) -> None:
        (self.root / "promotions" / filename).write_text(json.dumps(self.files[filename]),
                                                         encoding="utf-8")

    @rule(name=st.sampled_from(NAMES), objects=st.sets(st.sampled_from(OBJECTS), min_size=1,
                                                       max_size=3),
          status=st.sampled_from(STATUSES))
    def add_package(self, name: str, objects: set[str], status: str) -> None:
        if name in self._names():
            return
        filename = f"{name.split()[0].lower()}-{len(self.files)}.json"
        self.files[filename] = doc(name, tuple(sorted(objects)), status=status)
        self._write(filename)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def remove_package(self, data: st.DataObject) -> None:
        filename = data.draw(st.sampled_from(sorted(self.files)))
        del self.files[filename]
        (self.root / "promotions" / filename).unlink()

    @precondition(lambda self: self.files)
    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def rename(self, data: st.DataObject, name: str) -> None:
        filename = data.draw(st.sampled_from(sorted(self.files)))
        if name in self._names():
            return
        self.files[filename]["name"] = name
        self._write(filename)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), objects=st.sets(st.sampled_from(OBJECTS), min_size=1, max_size=3))
    def change_content(self, data: st.DataObject, objects: set[str]) -> None:
        filename = data.draw(st.sampled_from(sorted(self.files)))
        old = self.files[filename]
        self.earlier.setdefault(filename, []).append(old["objectCollections"])
        self.files[filename] = {**doc(old["name"], tuple(sorted(objects)),
                                      status=old["status"], description=old["description"]),
                                **({"id": old["id"]} if "id" in old else {})}
        self._write(filename)

    @precondition(lambda self: any(f in self.files for f in self.earlier))
    @rule(data=st.data())
    def revert_content(self, data: st.DataObject) -> None:
        """``git revert``: an earlier content of the file again (installed, when it can be),
        which under ``current`` re-uses the earlier package."""
        filename = data.draw(st.sampled_from(sorted(f for f in self.earlier
                                                    if f in self.files)))
        current = self.files[filename]
        self.earlier[filename].append(current["objectCollections"])
        current["objectCollections"] = data.draw(st.sampled_from(self.earlier[filename]))
        if current["status"] != "DRAFT":
            current["install"] = [{"environment": "preview"}]
        self._write(filename)
        TALLY["model reverts"] += 1

    @precondition(lambda self: self.profile == "current" and self._installable())
    @rule(data=st.data(), objects=st.sets(st.sampled_from(OBJECTS), min_size=1, max_size=3))
    def change_apply_revert(self, data: st.DataObject, objects: set[str]) -> None:
        """Installed content, a content change applied cleanly, then reverted: the next
        apply (under whatever faults or kill its rule brings) is a rollback."""
        filename = data.draw(st.sampled_from(self._installable()))
        self._reset_faults()
        self.files[filename]["install"] = [{"environment": "preview"}]
        self._write(filename)
        if self._apply()[0] != 0:
            return
        kept = self.files[filename]["objectCollections"]
        self.files[filename]["objectCollections"] = doc(
            "x", tuple(sorted(objects)))["objectCollections"]
        if self.files[filename]["objectCollections"] == kept:
            return
        self._write(filename)
        if self._apply()[0] != 0:
            return
        self.files[filename]["objectCollections"] = kept
        self._write(filename)
        TALLY["model reverts"] += 1

    @precondition(lambda self: self.files)
    @rule(data=st.data(), text=st.sampled_from(("first words", "second words", "")))
    def change_description(self, data: st.DataObject, text: str) -> None:
        filename = data.draw(st.sampled_from(sorted(self.files)))
        self.files[filename]["description"] = text
        self._write(filename)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), status=st.sampled_from(STATUSES))
    def change_status(self, data: st.DataObject, status: str) -> None:
        filename = data.draw(st.sampled_from(sorted(self.files)))
        self.files[filename]["status"] = status
        if status == "DRAFT":
            self.files[filename].pop("install", None)   # a DRAFT package installs nowhere
        self._write(filename)

    def _installable(self) -> list[str]:
        return sorted(f for f, d in self.files.items() if d["status"] != "DRAFT")

    @precondition(lambda self: self._installable())
    @rule(data=st.data())
    def add_install(self, data: st.DataObject) -> None:
        filename = data.draw(st.sampled_from(self._installable()))
        self.files[filename]["install"] = [{"environment": "preview"}]
        self._write(filename)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def pin_id(self, data: st.DataObject) -> None:
        filename = data.draw(st.sampled_from(sorted(self.files)))
        name = self.files[filename]["name"]
        live = [p for p in self._owned() if p.name == name and p.status != "DISABLED"]
        if len(live) == 1:
            self.files[filename]["id"] = live[0].id
            self._write(filename)

    # --- the remote, behind the tool's back ---------------------------------------------

    def _owned(self) -> list[Any]:
        return [p for p in self.sim.list_packages()
                if (m := parse_marker(p.description)) and m.owner == OWNER]

    def _pinned(self) -> set[str]:
        return {d["id"] for d in self.files.values() if "id" in d}

    @rule(data=st.data())
    def perturb_disable(self, data: st.DataObject) -> None:
        live = [p for p in self._owned() if p.status not in ("DISABLED", "ASSEMBLING")]
        if live:
            target = data.draw(st.sampled_from(sorted(p.id for p in live)))
            self.sim.update_package(target, {"status": "DISABLED"})

    @rule(data=st.data())
    def perturb_delete(self, data: st.DataObject) -> None:
        gone = [p for p in self._owned() if p.id not in self._pinned()]
        if gone:
            self.sim.delete_package(data.draw(st.sampled_from(sorted(p.id for p in gone))))

    @rule(name=st.sampled_from(NAMES + HAND_MADE), objects=st.sets(
        st.sampled_from(OBJECTS), min_size=1, max_size=2), marker=st.booleans(),
        owner=st.sampled_from((OWNER, "someone-else")))
    def perturb_hand_made(self, name: str, objects: set[str], marker: bool,
                          owner: str) -> None:
        if not marker or owner != OWNER:
            name = HAND_MADE[len(self.unowned) % len(HAND_MADE)]  # never a declared name
        elif any(p.name == name and p.status != "DISABLED" for p in self.sim.list_packages()):
            # A second live package under our marker and a name already in use is a conflict
            # only a person can settle: the plan refuses it and asks for an `id:` pin
            # (tests/plan/test_plan_identity_cases.py), so no apply could converge here.
            return
        description = "made in the UI"
        if marker:
            description = with_marker(description, owner, "0" * 64)
        body = {"name": name, "description": description, "source": "sandbox",
                "objectCollections": [{"objCode": code, "entities": [{"ID": entity}]}
                                      for code, entity in map(object_id, sorted(objects))]}
        made = self.sim.create_package(body, "sandbox")
        if not marker or owner != OWNER:
            settled = self.sim.get_package(made.id)
            self.unowned[made.id] = (settled.name, settled.description, "")

    # --- faults -------------------------------------------------------------------------

    def inject_faults(self, rate: float, seed: int, drop: float) -> None:
        self.injector.reset(Faults(error_rates={500: rate / 2, 503: rate / 2},
                                   rate_limit=rate / 3, drop_rate=drop, seed=seed))
        self.faulty = True

    def schedule_kill(self, after: int, commit: bool) -> None:
        self.transport.kill_after = self.transport.count + after
        self.transport.commit_last = commit

    # --- plan and apply -----------------------------------------------------------------

    def _changes(self) -> int:
        try:
            return len(make_plan(self._config(), [], PlanOptions(allow_empty=True)).changes)
        except WfpromoteError:
            return 0

    def _config(self) -> Any:
        return load_config(str(self.root / "wfpromote.yaml"))

    @rule()
    def plan(self) -> None:
        try:
            make_plan(self._config(), [], PlanOptions(allow_empty=True))
        except WfpromoteError as exc:
            assert exc.message, exc
            TALLY["model plans refused"] += 1
        except Killed:
            TALLY["kills"] += 1
            TALLY["model kills"] += 1
        self._reset_faults()

    def _apply(self) -> tuple[int | None, str, str]:
        out, err = io.StringIO(), io.StringIO()
        self.transport.run += 1
        self.transport.strays = 0
        try:
            request = ApplyRequest(auto_approve=True, output_format="json", allow_empty=True)
            code: int | None = run_apply(
                self._config(), request, stdin=io.StringIO(""), stdout=out, stderr=err,
                clock=self.clock)
        except WfpromoteError as exc:
            code = exc.exit_code
            err.write(exc.render())
        except Killed:
            code = None
            TALLY["kills"] += 1
            TALLY["model kills"] += 1
        text = out.getvalue() + err.getvalue()
        assert "Traceback" not in text and "internal error" not in text, text
        TALLY["model rollbacks applied"] += text.count('"action": "rollback"')
        self._remember_priors()   # a package may be deleted by the next apply of a rule
        return code, out.getvalue(), err.getvalue()

    def _remember_priors(self) -> None:
        for package in self.sim.list_packages():
            marker = parse_marker(package.description)
            if marker is not None:   # kept: a package deleted later keeps its history
                self.prior.setdefault(package.id, set()).update(marker.prior)

    def _reset_faults(self) -> None:
        self.injector.reset(None)
        self.transport.kill_after, self.transport.dead = None, False
        self.transport.kill_on, self.transport.late_hold = None, None
        self.faulty = False

    def _usable(self) -> set[str]:
        declared = {d["name"] for d in self.files.values()}
        return {p.name for p in self._owned()
                if p.status in ("DRAFT", "TESTING", "ACTIVE")} & declared

    def _kill_during_install(self, rnd: Any) -> None:
        """New content (a new version, installed after it) for an installable package, or an
        install added; the apply dies at the pre-run or at the install request."""
        candidates = self._installable()
        if not candidates:
            self.add_package(rnd.choice(NAMES), {rnd.choice(OBJECTS)}, "TESTING")
            candidates = self._installable()
        if not candidates:
            return
        filename = rnd.choice(candidates)
        if "install" in self.files[filename]:
            old = self.files[filename]
            objects = {rnd.choice(OBJECTS), rnd.choice(OBJECTS)}
            self.files[filename] = {**doc(old["name"], tuple(sorted(objects)),
                                          status=old["status"],
                                          description=f"edited {rnd.randint(0, 10**6)}"),
                                    **({"id": old["id"]} if "id" in old else {}),
                                    "install": old["install"]}
        else:
            self.files[filename]["install"] = [{"environment": "preview"}]
        self._write(filename)
        self.transport.kill_on = rnd.choice(("/prepare-installation", "/install", "/install"))
        # At the install request, mostly after it was handled: the install then runs on.
        self.transport.commit_last = rnd.random() < 0.85

    @rule(rnd=st.randoms(use_true_random=False),
          mode=st.sampled_from(("clean", "faults", "kill", "late", "kill_install")))
    def apply(self, rnd: Any, mode: str) -> None:
        """An apply: clean, under faults, with a late commit, killed after some requests, or
        killed during an install."""
        TALLY[f"model apply rule: {mode}"] += 1
        if mode == "late":
            if not self._changes():
                self.add_package(rnd.choice(NAMES), {rnd.choice(OBJECTS)},
                                 rnd.choice(STATUSES))
            self.transport.late_hold = rnd.choice((2.0, 30.0, 80.0, 200.0))
            self.faulty = True
        elif mode == "kill_install":
            self._kill_during_install(rnd)
        elif mode == "faults":
            self.inject_faults(rnd.choice((0.05, 0.15, 0.3)), rnd.randint(0, 2**16),
                               rnd.choice((0.0, 0.5, 1.0)))
        elif mode == "kill":
            changes = self._changes()
            if not changes:
                # Nothing to do would leave nothing to interrupt: edit or add a file first.
                if self.files:
                    filename = rnd.choice(sorted(self.files))
                    self.files[filename]["description"] = f"edited {rnd.randint(0, 10**6)}"
                    self._write(filename)
                else:
                    self.add_package(rnd.choice(NAMES), {rnd.choice(OBJECTS)},
                                     rnd.choice(STATUSES))
                changes = self._changes()
            # Request 1 is the listing; each change takes at least one more.
            self.schedule_kill(rnd.randint(2, 1 + max(1, changes)), rnd.random() < 0.5)
        before = self._usable()
        code, out, _ = self._apply()
        TALLY["model applies"] += 1
        if mode == "late":
            TALLY["late-commit runs"] += 1
        if mode == "kill_install":
            TALLY["kill-during-install runs"] += 1
        if self.faulty:
            TALLY["fault runs"] += 1
        self._reset_faults()
        self.last_code = code
        self.transport.frozen = True
        try:
            lost = before - self._usable()
            if lost:
                TALLY["packages left without a usable version"] += len(lost)
            assert not lost, f"no usable version left of {sorted(lost)} ({mode})\n{out}"
            if code == 0:
                self._check_after_success()
        finally:
            self.transport.frozen = False

    @rule()
    def apply_until_converged(self) -> None:
        self._reset_faults()
        for attempt in range(1, 4):
            code, out, err = self._apply()
            TALLY["model applies"] += 1
            if code == 0:
                if attempt > 1:
                    TALLY["model runs needing more than one rerun"] += 1
                self.transport.frozen = True
                try:
                    self._check_after_success()
                finally:
                    self.transport.frozen = False
                return
        raise AssertionError(f"no convergence after 3 clean applies\n{out}\n{err}")

    # --- invariants ---------------------------------------------------------------------

    def _check_after_success(self) -> None:
        plan = make_plan(self._config(), [], PlanOptions(allow_empty=True))
        if self.transport.strays and any(a.reason is Reason.DUPLICATE for a in plan.changes):
            # A create an earlier run gave up on, committed while this run ran (after its
            # listing): no run can see that coming. The next plan keeps one of the two (the
            # older, which may need its fields brought up to date) and retires the other.
            TALLY["late-commit duplicates made after the run (retired by the next plan)"] += 1
            self.transport.frozen = False
            code, out, _ = self._apply()
            self.transport.frozen = True
            assert code == 0, out
            plan = make_plan(self._config(), [], PlanOptions(allow_empty=True))
        assert not plan.has_changes, [a.data() for a in plan.changes]
        live: dict[str, str] = {}
        for package in self._owned():
            if package.status == "DISABLED":
                continue
            assert package.name not in live, \
                f"two live packages named {package.name!r}: {live[package.name]}, {package.id}"
            live[package.name] = package.id
        for spec in load_packages(load_settings(self._config()), []):
            [found] = [p for p in self._owned()
                       if p.name == spec.name and p.status != "DISABLED"]
            marker = parse_marker(found.description)
            assert marker is not None and marker.digest == spec.digest(), spec.name
            assert found.status == spec.status.value, (spec.name, found.status)
        TALLY["model successful applies checked"] += 1

    @invariant()
    def never_two_successful_installs(self) -> None:
        done: dict[tuple[str, int, str], str] = {}
        self._remember_priors()
        for inst in self.sim.list_installations(None):
            if inst.status != "INSTALLED":
                continue
            if installation_key(inst.id) in self.prior.get(inst.packageId, set()):
                # made before a rollback re-used the package: the next one is not a double
                TALLY["installs again after a rollback"] += 1
                continue
            key = (inst.packageId, inst.packageVersion, inst.environment)
            if key in done:
                TALLY["duplicate installs"] += 1
            assert key not in done, f"installed twice: {key}: {done[key]}, {inst.id}"
            done[key] = inst.id

    @invariant()
    def nothing_unowned_touched(self) -> None:
        for package_id, (name, description, _) in self.unowned.items():
            try:
                package = self.sim.get_package(package_id)
            except SimError:
                raise AssertionError(f"unowned package {package_id} was deleted") from None
            assert (package.name, package.description) == (name, description)
            assert package.status != "DISABLED", f"unowned package {package_id} disabled"


def test_model() -> None:
    with mock.patch("reconciler.simulator.embedded.embedded_transport", _transport):
        run_state_machine_as_test(Reconciler, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    TALLY["model examples"] += EXAMPLES


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reconciler.run.clients._announce_simulator", lambda state: None)
