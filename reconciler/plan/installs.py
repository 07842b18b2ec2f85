"""Install actions and their gates, planned from the declared ``install:`` lists and the
installation history (E8) of each package. Pure: the history comes in as data.

An install into an environment is done when an installation of this content into that
environment ended successfully (COMPLETED or INSTALLED). "This content" is the digest the
ownership marker records, whatever the API's ``version`` field does (a 2023 PUT keeps it):
an installation of this package (and, when both say, this version) counts unless the marker
lists it as ``prior``, i.e. made before the content was last replaced in place
(``plan.ownership``). A pre-run record (PREPARING) never counts. A package created or
replaced in this run is new content: all its installs are planned after it.

Gates, checked here so a blocked install is shown with its reason, never executed, and the
rest of the plan still runs:

* production-kind environments need the package ACTIVE;
* a TESTING package installs only into sandbox and preview kinds (DRAFT and DISABLED
  packages install nowhere);
* every ``after:`` environment needs a successful install of the same content, or an install
  planned earlier in this run (itself not blocked);
* an ``after:`` item with a ``soak`` needs that install to have ended at least the soak time
  ago (``plan.soak``): until then the install is blocked with the time left, checked only
  when every other gate is met (so a reason starting "soaking" means only time is missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set

from reconciler.domain.declared import PackageSpec
from reconciler.domain.objcodes import may_repeat_names
from reconciler.domain.remote import Installation, RemotePackage, environment_key
from reconciler.domain.statuses import installation_phase
from reconciler.plan.changes import Install, LastInstall
from reconciler.plan.model import Action, ActionKind, Reason
from reconciler.plan.ownership import installation_key
from reconciler.plan.settings import PlanSettings
from reconciler.plan.soak import soak_gate
from reconciler.plan.values import FrozenMap

INSTALLABLE_KINDS: dict[str, frozenset[str]] = {
    "TESTING": frozenset({"sandbox", "preview"}),
    "ACTIVE": frozenset({"sandbox", "preview", "production"}),
}


def status_gate(status: str, kind: str | None) -> str | None:
    """Why a package in ``status`` cannot go into an environment of ``kind`` (None: it can)."""
    kinds = INSTALLABLE_KINDS.get(status)
    if kinds is None:
        return (f"a {status} package cannot be installed anywhere; set status: TESTING "
                "(sandbox and preview) or ACTIVE")
    if kind is not None and kind not in kinds:
        return (f"a {status} package cannot be installed into a {kind} environment; "
                "set status: ACTIVE")
    return None


def prior_installations(history: Sequence[Installation]) -> frozenset[str]:
    """The keys of every installation in ``history`` that is not a pre-run record: what a
    replace in place records as earlier content (``ownership.Marker.prior``)."""
    return frozenset(installation_key(i.id) for i in history
                     if i.id and installation_phase(i.status) != "pending")


def matching(history: Sequence[Installation], package: RemotePackage,
             env_url: str, prior: Set[str] = frozenset()) -> list[Installation]:
    """Installations of ``package``'s current content (this version when both say, and not
    listed in ``prior``) into ``env_url``, not counting pre-run records."""
    key = environment_key(env_url)
    out = []
    for inst in history:
        if inst.environmentPromotionPackageId not in (None, package.id):
            continue
        if prior and installation_key(inst.id) in prior:
            continue
        if environment_key(inst.environment) != key:
            continue
        if (package.version is not None and inst.environmentPromotionPackageVersion is not None
                and inst.environmentPromotionPackageVersion != package.version):
            continue
        if installation_phase(inst.status) == "pending":
            continue
        out.append(inst)
    return out


def unfinished(history: Sequence[Installation], package: RemotePackage, env_url: str) -> bool:
    """Whether a record of ``package`` into ``env_url`` is not finished (PREPARING, which
    may be an install under way: no in-progress value is documented, or running)."""
    key = environment_key(env_url)
    return any(inst.environmentPromotionPackageId in (None, package.id)
               and environment_key(inst.environment) == key
               and installation_phase(inst.status) in ("pending", "running")
               for inst in history)


def last_outcome(history: Sequence[Installation], package: RemotePackage,
                 env_url: str, prior: Set[str] = frozenset()) -> tuple[str, Installation | None]:
    """("succeeded" | "failed" | "running" | "none", the installation that says so), of the
    current content (``prior``: the marker's keys of installations of earlier content).

    One success is enough: a completed install is never repeated."""
    found = matching(history, package, env_url, prior)
    ordered = sorted(enumerate(found), key=lambda p: (p[1].registeredAt or "", p[0]))
    for phase in ("succeeded",):
        hits = [inst for _, inst in ordered if installation_phase(inst.status) == phase]
        if hits:
            return phase, hits[-1]
    if not ordered:
        return "none", None
    latest = ordered[-1][1]
    return installation_phase(latest.status), latest


def plan_installs(spec: PackageSpec, package: RemotePackage | None, new_version: bool,
                  history: Sequence[Installation], settings: PlanSettings,
                  origin: str | None, prior: Set[str] = frozenset(), *,
                  overwrite: Set[str] = frozenset(), because: Reason | None = None
                  ) -> list[Action]:
    """The install actions of one declared package, in gate order. ``prior``: the keys of
    installations of earlier content (the marker's), which never count as done.
    ``overwrite``: the environments where the package, re-used by a rollback, overwrites
    what the pre-run matches (a later version went there; the declared ``existing`` is kept
    as ``declared_existing``);
    ``because``: the reason of every install not yet done (a rollback's)."""
    states: dict[str, str] = {}   # env -> "done" | "planned" | "blocked"
    held: dict[str, str | None] = {}  # env -> when its successful install ended
    out: list[Action] = []
    status = spec.status.value
    for step_index, step in enumerate(spec.install):
        env = step.environment
        url = settings.environments.get(env, env)
        last: LastInstall | None = None
        if new_version or package is None:
            reason = Reason.NEW_VERSION
        else:
            phase, inst = last_outcome(history, package, url, prior)
            if inst is not None:
                last = LastInstall(inst.id, inst.status, inst.environmentPromotionPackageVersion,
                                   inst.updatedAt or inst.registeredAt)
            if env in settings.reinstall:
                reason = Reason.REINSTALL_REQUESTED
            elif phase == "succeeded":
                states[env] = "done"
                held[env] = last.at if last is not None else None
                continue
            elif phase == "failed":
                reason = because or Reason.INSTALL_FAILED
            else:
                reason = because or Reason.INSTALL_REQUESTED
        gates: list[str] = []
        blocked = status_gate(status, settings.environment_kinds.get(env))
        for gate in step.after:
            state = states.get(gate, "not installed")
            gates.append(f"after {gate}: {state}")
            if state not in ("done", "planned") and blocked is None:
                blocked = (f"after {gate}: this content is not installed there"
                           + (" (that install is blocked)" if state == "blocked" else ""))
        for gate, soak in step.soaks.items():
            if blocked is None:
                blocked = soak_gate(gate, soak, states.get(gate, "not installed"),
                                    held.get(gate), settings.now)
        states[env] = "blocked" if blocked else "planned"
        existing = None if new_version else package
        forced = env in overwrite and step.existing != "overwrite"
        change = Install(
            environment=env, step=step_index,
            existing="overwrite" if env in overwrite else step.existing,
            declared_existing=step.existing if forced else None,
            version=existing.version if existing else None,
            content=spec.digest(), prior=frozenset(prior) if existing else frozenset(),
            overrides=FrozenMap({code: dict(records) for code, records in step.overrides.items()}),
            after=tuple(step.after), gates=tuple(gates), last=last, blocked=blocked,
            unfinished=existing is not None and unfinished(history, existing, url))
        out.append(Action(
            name=spec.name, reason=reason, change=change,
            package_id=None if new_version or package is None else package.id,
            source_env=spec.source, origin=origin))
    return out


def unique_name_warnings(spec: PackageSpec) -> list[str]:
    """A loud word for each CREATE override on a type whose names must be unique (reference
    2.4, 3.3): if the pre-run finds the record in the target (USEEXISTING), the install would
    fail on the duplicate name, so apply refuses it before the install request."""
    out = []
    for step in spec.install:
        for code, records in sorted(step.overrides.items()):
            for source_id, action in sorted(records.items()):
                if action == "CREATE" and not may_repeat_names(code):
                    out.append(
                        f"package {spec.name!r}, install into {step.environment!r}: override "
                        f"CREATE of {code} {source_id}, a type whose names must be unique in "
                        "the target; if the pre-run finds it there (USEEXISTING) the install "
                        "is refused before it is sent (`plan --prerun` tells)")
    return out


def pending_envs(actions: Sequence[Action]) -> Mapping[str, list[str]]:
    """Package name -> environments with a runnable install (for ``plan --prerun``)."""
    out: dict[str, list[str]] = {}
    for action in actions:
        if action.kind is ActionKind.INSTALL and action.runnable and action.environment:
            out.setdefault(action.name, []).append(action.environment)
    return out
