"""The pipeline around the pure core: one listing, bounded detail fetches, timings."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from plan_factories import CURRENT, OWNER, pkg_id, remote_of, spec

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import FakeClock
from reconciler.domain.declared import Config
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan import fingerprint
from reconciler.plan.model import ActionKind
from reconciler.run.planning import PlanOptions, build_plan, environment_urls


class FakeAPI:
    """Serves a fixed listing and full records; counts calls and concurrent GETs."""

    capabilities = CURRENT
    environment = "sandbox"

    def __init__(self, listing: list[RemotePackage], full: dict[str, RemotePackage]) -> None:
        self.listing, self.full = listing, full
        self.lists = 0
        self.gets: list[str] = []
        self.active = self.peak = 0

    async def list_packages(self) -> list[RemotePackage]:
        self.lists += 1
        return list(self.listing)

    async def get_package(self, package_id: str) -> RemotePackage:
        self.gets.append(package_id)
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(0)
        self.active -= 1
        return self.full[package_id]


def config(concurrency: int = 2) -> Config:
    return Config.model_validate({
        "owner": OWNER, "concurrency": concurrency,
        "environments": {"sandbox": {"url": "https://acme.sb01.workfront.com",
                                     "kind": "sandbox"},
                         "preview": {"url": "simulator", "kind": "preview"}}})


def slim(package: RemotePackage) -> RemotePackage:
    return RemotePackage(id=package.id, name=package.name, description=package.description)


def test_one_listing_and_details_only_where_needed() -> None:
    specs = [spec(f"P{i}", status="ACTIVE") for i in range(6)]
    full = {pkg_id(s.name): remote_of(s) for s in specs}
    listing = [remote_of(s) for s in specs[:3]] + [slim(full[pkg_id(s.name)])
                                                  for s in specs[3:]]
    api = FakeAPI(listing, full)
    clock = FakeClock()
    clients = {"sandbox": cast(PromotionAPI, api)}
    plan = asyncio.run(build_plan(config(), specs, clients, PlanOptions(), clock))
    assert api.lists == 1
    assert sorted(api.gets) == sorted(pkg_id(s.name) for s in specs[3:])
    assert api.peak <= 2
    assert not plan.has_changes
    assert set(plan.timings) == {"list", "fetch", "diff"}
    assert len(plan.desired_digest) == 64


def test_no_fetch_when_listing_is_enough() -> None:
    specs = [spec("A"), spec("B", description="changed")]
    api = FakeAPI([remote_of(specs[0]), remote_of(spec("B"))], {})
    clients = {"sandbox": cast(PromotionAPI, api)}
    plan = asyncio.run(build_plan(config(), specs, clients, PlanOptions(), FakeClock()))
    assert api.gets == [] and [a.kind for a in plan.changes] == [ActionKind.UPDATE]


def test_unknown_reinstall_environment_fails_before_any_request() -> None:
    api = FakeAPI([], {})
    clients = {"sandbox": cast(PromotionAPI, api)}
    with pytest.raises(WfpromoteError, match="--reinstall 'prod'"):
        asyncio.run(build_plan(config(), [spec("A")], clients,
                               PlanOptions(reinstall=("prod",)), FakeClock()))
    assert api.lists == 0 and api.gets == []


def test_environment_urls_cover_simulated_environments() -> None:
    assert environment_urls(config()) == {"sandbox": "https://acme.sb01.workfront.com",
                                          "preview": "http://simulator.local/preview"}


def test_stale_keys_report_what_moved() -> None:
    a, b = spec("A"), spec("B")
    remote = [remote_of(a), remote_of(b)]
    saved = fingerprint.compute(remote, OWNER, [pkg_id("A")], ["New"])
    assert fingerprint.stale_keys(saved, remote, OWNER) == []
    moved: list[Any] = [remote_of(a, status="ACTIVE"), remote_of(b),
                        remote_of(spec("New"), owner=None), remote_of(spec("C"))]
    assert fingerprint.stale_keys(saved, moved, OWNER) == sorted(
        [pkg_id("A"), "name:New", pkg_id("C")])
