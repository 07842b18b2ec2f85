"""One planning pass through build_plan: prepare once, fetch what it names, plan. A match the
listing alone cannot make is made after the fetch, and its installation history is read
then."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from plan_factories import CURRENT, ENVS, OWNER, pkg_id, remote_of, spec

from reconciler.clock import FakeClock
from reconciler.domain.declared import Config, EnvironmentConfig, InstallStep
from reconciler.domain.profiles import Capabilities
from reconciler.domain.remote import Installation, RemotePackage
from reconciler.plan.model import ActionKind, Reason
from reconciler.run.planning import PlanOptions, build_plan


@dataclass
class _API:
    """What planning asks of the listing environment, answered from memory, counted."""

    records: dict[str, RemotePackage]
    history: dict[str, list[Installation]]
    capabilities: Capabilities = CURRENT
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def get_package(self, package_id: str) -> RemotePackage:
        self.calls.append(("GET", package_id))
        return self.records[package_id]

    async def list_installations(self, package_id: str) -> list[Installation]:
        self.calls.append(("E8", package_id))
        return self.history.get(package_id, [])


def _config() -> Config:
    return Config(owner=OWNER, environments={
        name: EnvironmentConfig(url=url, kind="sandbox") for name, url in ENVS.items()})


def _installed(package: RemotePackage) -> Installation:
    return Installation(id="i-1", status="COMPLETED", environment=ENVS["sandbox"],
                        environmentPromotionPackageId=package.id)


def test_a_match_made_after_the_fetch_reads_its_history_too() -> None:
    declared = spec("Risk Register", status="ACTIVE").model_copy(
        update={"install": (InstallStep(environment="sandbox"),)})
    old = remote_of(spec("Risk Register", description="before"), id=pkg_id("old"),
                    digest="0" * 64, status="DISABLED")
    new = remote_of(declared, id=pkg_id("new"), status="ACTIVE")
    slim_old = old.model_copy(update={"status": None})   # the listing cannot tell it apart
    api = _API(records={old.id: old}, history={new.id: [_installed(new)]})
    result = asyncio.run(build_plan(_config(), [declared], {"sandbox": api},  # type: ignore[dict-item]
                                    PlanOptions(), FakeClock(), listing=[slim_old, new]))
    assert api.calls == [("GET", old.id), ("E8", new.id)]
    # installed already: no install planned again, and nothing else to do
    assert [a.kind for a in result.actions] == [ActionKind.NOOP]


def test_an_unchanged_listing_is_planned_without_a_request() -> None:
    declared = spec("Risk Register", status="ACTIVE")
    api = _API(records={}, history={})
    result = asyncio.run(build_plan(_config(), [declared], {"sandbox": api},  # type: ignore[dict-item]
                                    PlanOptions(), FakeClock(),
                                    listing=[remote_of(declared)]))
    assert api.calls == []
    assert [(a.kind, a.reason) for a in result.actions] == [(ActionKind.NOOP,
                                                             Reason.UP_TO_DATE)]
