"""The client and the apply engine's install step against the independent fake: documented
shapes that our simulator does not produce (bare-host environments, E7 202 ``{}``, an E11 UUID
as text/plain, an undocumented in-progress status, the 2023 era's names and endpoints)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from compat_repo import AGENCY
from compat_server import CompatHandle

from reconciler.api.auth import ApiKeyAuth
from reconciler.api.client import PromotionClient
from reconciler.apply.engine import ApplyEngine, ApplySettings
from reconciler.apply.poll import PollPolicy
from reconciler.clock import FakeClock
from reconciler.domain.profiles import get_profile
from reconciler.domain.statuses import installation_phase
from reconciler.plan.model import Action, ActionKind, Plan, Reason

BODY = {"name": "Agency Onboarding", "description": "", "source": "https://acme.sb01.test",
        "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": AGENCY}]}]}


def _client(server: CompatHandle, key: str) -> PromotionClient:
    profile = get_profile("2023" if server.quirks.legacy else "current")
    return PromotionClient("sandbox", profile.api_root(server.url), profile,
                           auth=ApiKeyAuth(key, source="WF_KEY"), clock=FakeClock(),
                           timeout=5.0)


async def _active_package(api: PromotionClient) -> str:
    created = await api.create_package(BODY)
    assert created.status == "ASSEMBLING" and created.packageEntities is None
    package = await api.get_package(created.id)
    while package.status == "ASSEMBLING":
        package = await api.get_package(created.id)
    assert package.status == "DRAFT"
    patched = await api.patch_package(created.id, {"status": "ACTIVE"})
    assert patched.status == "ACTIVE" and patched.publishedAt
    return created.id


@pytest.mark.parametrize("quirks", [
    {}, {"bare_host_environment": True},
    {"legacy": True, "package_name_key": True, "bare_host_environment": True},
], ids=["https-environment", "bare-host-environment", "legacy-2023"])
def test_install_endpoints_read_as_documented(quirks: dict[str, Any],
                                              compat: Callable[..., CompatHandle],
                                              canary: str) -> None:
    server = compat(install_gets=2, **quirks)

    async def scenario() -> None:
        async with _client(server, canary) as api:
            package_id = await _active_package(api)
            listed = await api.list_packages()
            assert [p.name for p in listed] == ["Agency Onboarding"]
            assert listed[0].status == "ACTIVE"
            full = await api.get_package(package_id)
            assert {"TMPL", "TTSK"} <= set(full.packageEntities or {})
            assert full.packageEntities is not None
            assert full.packageEntities["TMPL"][0]["description"] == ""   # "null" string
            prepared = await api.prepare_installation(package_id)
            assert prepared.status == "PREPARING"
            assert prepared.environment == f"127.0.0.1:{server.port}"
            assert prepared.environmentPromotionPackageId == package_id
            assert await api.install(prepared.id) is None                 # 202 {}
            running = await api.get_installation(prepared.id)
            assert installation_phase(running.status) == "running"
            done = await api.get_installation(prepared.id)
            assert installation_phase(done.status) == "succeeded"
            assert done.translationMap["TMPL"][AGENCY].installationStatus == "INSTALLED"
            history = await api.list_installations(package_id)
            assert [i.id for i in history] == [prepared.id]
            tmap = await api.translation_map(package_id)
            assert tmap["TMPL"][AGENCY].action == "CREATE"
            new_id = await api.install_with_map(package_id, tmap)      # text/plain UUID
            assert new_id in server.state.installations
            if api.capabilities.read_definition:
                assert "TMPL" in await api.get_definition(package_id)

    asyncio.run(scenario())


@pytest.mark.parametrize("overrides", [None, {"TTSK": {"ac11ac11ac11ac11ac11ac11ac11ac11":
                                                       "IGNORE"}}])
def test_the_install_step_runs_against_the_fake(overrides: dict[str, Any] | None,
                                                compat: Callable[..., CompatHandle],
                                                canary: str) -> None:
    server = compat(install_gets=3)

    async def scenario() -> None:
        async with _client(server, canary) as api:
            package_id = await _active_package(api)
            action = Action(kind=ActionKind.INSTALL, name="Agency Onboarding",
                            reason=Reason.INSTALL_REQUESTED, package_id=package_id,
                            environment="sandbox",
                            after={"overrides": overrides} if overrides else None)
            plan = Plan(actions=(action,), owner="compat-tests", profile="current",
                        desired_digest="x")
            engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=FakeClock(),
                                 settings=ApplySettings(poll=PollPolicy(first=0.5)))
            report = await engine.run(plan)
            assert [r.outcome.value for r in report.results] == ["applied"], report.results
            (inst,) = [i for i in server.state.installations.values()
                       if i["status"] == "INSTALLED"]
            if overrides:
                assert inst["translationMap"]["TTSK"][
                    "ac11ac11ac11ac11ac11ac11ac11ac11"]["action"] == "IGNORE"

    asyncio.run(scenario())


def test_legacy_put_replaces_a_definition(compat: Callable[..., CompatHandle],
                                          canary: str) -> None:
    server = compat(legacy=True)

    async def scenario() -> None:
        async with _client(server, canary) as api:
            package_id = await _active_package(api)
            definition = await api.get_definition(package_id)
            replaced = await api.replace_package(package_id, {
                "name": "Agency Onboarding", "description": "", "source": BODY["source"],
                "status": "TESTING", "version": 1, "packageEntities": definition})
            assert replaced.status == "TESTING"
            assert server.state.packages[package_id]["status"] == "TESTING"  # sent PREVIEW

    asyncio.run(scenario())
