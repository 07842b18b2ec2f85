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
from reconciler.errors import WfpromoteError
from reconciler.plan.changes import Install, LastInstall
from reconciler.plan.model import Action, Plan, Reason
from reconciler.plan.values import FrozenMap

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
            if not api.capabilities.install_with_map:
                # E10/E11 exist only in the current docs: refused before any request
                sent = len(server.state.requests)
                with pytest.raises(WfpromoteError, match="does not offer"):
                    await api.translation_map(package_id)
                with pytest.raises(WfpromoteError, match="does not offer"):
                    await api.install_with_map(package_id, {})
                assert len(server.state.requests) == sent
            else:
                tmap = await api.translation_map(package_id)
                assert tmap["TMPL"][AGENCY].action == "CREATE"
                new_id = await api.install_with_map(package_id, tmap)  # text/plain UUID
                assert new_id in server.state.installations
            if api.capabilities.read_definition:
                assert "TMPL" in await api.get_definition(package_id)

    asyncio.run(scenario())


@pytest.mark.parametrize("legacy", [False, True], ids=["current", "2023"])
@pytest.mark.parametrize("overrides", [None, {"TTSK": {"ac11ac11ac11ac11ac11ac11ac11ac11":
                                                       "IGNORE"}}])
def test_the_install_step_runs_against_the_fake(overrides: dict[str, Any] | None, legacy: bool,
                                                compat: Callable[..., CompatHandle],
                                                canary: str) -> None:
    """Unchanged map: E7 with {}. Edited map: E11 under current, E7 with the map under 2023
    (E10/E11 are not sent there: the fake answers 404 to them, as the 2023 docs had none)."""
    server = compat(install_gets=3, legacy=legacy)

    async def scenario() -> None:
        async with _client(server, canary) as api:
            package_id = await _active_package(api)
            action = Action(name="Agency Onboarding", reason=Reason.INSTALL_REQUESTED,
                            package_id=package_id,
                            change=Install("sandbox", overrides=FrozenMap(overrides or {})))
            plan = Plan(actions=(action,), owner="compat-tests", profile="current",
                        desired_digest="x")
            engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=FakeClock(),
                                 settings=ApplySettings(poll=PollPolicy(first=0.5)))
            report = await engine.run(plan)
            assert [r.outcome.value for r in report.results] == ["applied"], report.results
            (inst,) = [i for i in server.state.installations.values()
                       if i["status"] in ("INSTALLED", "COMPLETED")]
            if overrides:
                assert inst["translationMap"]["TTSK"][
                    "ac11ac11ac11ac11ac11ac11ac11ac11"]["action"] == "IGNORE"
            paths = [path for _, path in server.state.requests]
            assert not any(p.endswith("/translation-map") for p in paths)
            used_e11 = any(p.endswith(f"/packages/{package_id}/install") for p in paths)
            assert used_e11 is bool(overrides and not legacy)

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


def test_an_install_reported_running_is_waited_for_not_started_again(
        compat: Callable[..., CompatHandle], canary: str) -> None:
    """The fake reports an undocumented in-progress value (IN_PROGRESS): a plan that saw it
    carries the installation in ``before``, and apply waits for it instead of installing
    again. (An install that reads PREPARING cannot be told from a pre-run record.)"""
    server = compat(install_gets=3)

    async def scenario() -> None:
        async with _client(server, canary) as api:
            package_id = await _active_package(api)
            prepared = await api.prepare_installation(package_id)
            await api.install(prepared.id)
            running = await api.get_installation(prepared.id)
            assert installation_phase(running.status) == "running"
            action = Action(name="Agency Onboarding", reason=Reason.INSTALL_REQUESTED,
                            package_id=package_id,
                            change=Install("sandbox", last=LastInstall(prepared.id,
                                                                       running.status)))
            plan = Plan(actions=(action,), owner="compat-tests", profile="current",
                        desired_digest="x")
            engine = ApplyEngine({"sandbox": api}, default_env="sandbox", clock=FakeClock(),
                                 settings=ApplySettings(poll=PollPolicy(first=0.5),
                                                        recheck_installs=False))
            sent = len(server.state.requests)
            report = await engine.run(plan)
            [result] = report.results
            assert result.outcome.value == "applied", result
            assert result.details[0] == f"an earlier installation ({prepared.id}) finished"
            new = server.state.requests[sent:]
            assert all(method == "GET" for method, _ in new), new

    asyncio.run(scenario())
