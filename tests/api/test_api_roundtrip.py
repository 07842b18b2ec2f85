"""Every client method against the simulator over real HTTP on 127.0.0.1, both profiles."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from apihelpers import run

from reconciler.api.client import PromotionClient
from reconciler.api.transport import RetryPolicy
from reconciler.domain.profiles import get_profile
from reconciler.domain.remote import environment_key
from reconciler.domain.statuses import installation_phase
from reconciler.errors import ApiError, WfpromoteError


def seed_id(env: str, code: str, name: str) -> str:
    return hashlib.md5(f"{env}/{code}/{name}".encode()).hexdigest()


def client_for(handle: Any, env: str, profile: str) -> PromotionClient:
    prof = get_profile(profile)
    return PromotionClient(env, prof.api_root(handle.url(env)), prof, timeout=5.0,
                           retry=RetryPolicy(max_attempts=1))


def body(handle: Any, name: str) -> dict[str, Any]:
    return {"name": name, "description": "round trip", "source": handle.url("sandbox"),
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": seed_id("sandbox", "TMPL", "New Agency Onboarding"),
                 "name": "New Agency Onboarding"}]}]}


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_package_lifecycle_and_installs(profile: str,
                                        sim_server: Callable[..., Any]) -> None:
    handle = sim_server(profile=profile)

    async def go() -> None:
        async with client_for(handle, "sandbox", profile) as sandbox, \
                client_for(handle, "preview", profile) as preview:
            assert await sandbox.list_packages() == []
            created = await sandbox.create_package(body(handle, "Round Trip Package"))
            assert created.status == "ASSEMBLING" and created.name == "Round Trip Package"

            got = await sandbox.get_package(created.id)
            assert got.status == "DRAFT"
            assert got.packageEntities is not None and "TMPL" in got.packageEntities
            assert "TTSK" in got.packageEntities

            patched = await sandbox.patch_package(created.id, {"status": "TESTING",
                                                               "description": "now testing"})
            assert patched.status == "TESTING" and patched.description == "now testing"
            listed = await preview.list_packages()
            assert [(p.id, p.status) for p in listed] == [(created.id, "TESTING")]

            # E6 + E7 + E9 + E8
            prerun = await preview.prepare_installation(created.id)
            assert prerun.status == "PREPARING"
            assert prerun.environment == environment_key(handle.url("preview"))
            tmpl = prerun.translationMap["TMPL"][seed_id("sandbox", "TMPL",
                                                         "New Agency Onboarding")]
            assert tmpl.action == "CREATE"
            await preview.install(prerun.id)
            done = await preview.get_installation(prerun.id)
            assert installation_phase(done.status) == "succeeded"
            assert done.environmentPromotionPackageId == created.id
            history = await sandbox.list_installations(created.id)
            assert prerun.id in {i.id for i in history}

            # E10 + E11: only where the profile has them
            if not preview.capabilities.install_with_map:
                with pytest.raises(WfpromoteError, match="does not offer"):
                    await preview.translation_map(created.id)
                await sandbox.delete_package(created.id)
                return
            mapping = await preview.translation_map(created.id)
            assert "TMPL" in mapping
            new_id = await preview.install_with_map(created.id, mapping)
            assert new_id in {i.id for i in await preview.list_installations(created.id)}
            assert (await preview.get_installation(new_id)).id == new_id

            await sandbox.delete_package(created.id)
            with pytest.raises(ApiError) as caught:
                await sandbox.get_package(created.id)
            assert caught.value.status == 404

    run(go())


def test_legacy_endpoints_under_2023(sim_server: Callable[..., Any]) -> None:
    handle = sim_server(profile="2023")

    async def go() -> None:
        async with client_for(handle, "sandbox", "2023") as sandbox:
            assert sandbox.capabilities.replace_with_put
            created = await sandbox.create_package(body(handle, "Legacy Package"))
            definition = await sandbox.get_definition(created.id)
            assert "TMPL" in definition
            replaced = await sandbox.replace_package(created.id, {
                "name": "Legacy Package", "description": "replaced",
                "source": handle.url("sandbox"), "status": "DRAFT", "version": 2,
                "packageEntities": definition})
            assert replaced.description == "replaced" and replaced.status == "DRAFT"
            reassembled = await sandbox.patch_package(created.id, {
                "source": handle.url("sandbox"),
                "objectCollections": [{"objCode": "GROUP", "entities": [
                    {"ID": seed_id("sandbox", "GROUP", "Agency Partners")}]}]})
            assert reassembled.status in {"ASSEMBLING", "DRAFT"}
            final = await sandbox.get_package(created.id)
            assert final.packageEntities is not None and "GROUP" in final.packageEntities

    run(go())


def test_legacy_endpoints_refused_under_current(sim_server: Callable[..., Any]) -> None:
    handle = sim_server(profile="current")

    async def go() -> None:
        async with client_for(handle, "sandbox", "current") as sandbox:
            created = await sandbox.create_package(body(handle, "Current Package"))
            with pytest.raises(WfpromoteError, match="does not offer"):
                await sandbox.get_definition(created.id)
            with pytest.raises(WfpromoteError, match="does not offer"):
                await sandbox.replace_package(created.id, {"name": "x"})

    run(go())


def test_simulator_errors_become_api_errors(sim_server: Callable[..., Any]) -> None:
    handle = sim_server(profile="current")

    async def go() -> None:
        async with client_for(handle, "sandbox", "current") as sandbox:
            with pytest.raises(ApiError) as caught:
                await sandbox.create_package({"name": "", "objectCollections": []})
            assert caught.value.status == 400 and caught.value.excerpt

    run(go())


def test_dropped_create_is_outcome_unknown_and_relisting_finds_it(
        sim_server: Callable[..., Any]) -> None:
    from reconciler.api.transport import OutcomeUnknown
    from reconciler.simulator.faults import Faults

    handle = sim_server(profile="current", faults=Faults(drop_first=1))

    async def go() -> None:
        async with client_for(handle, "sandbox", "current") as sandbox:
            with pytest.raises(OutcomeUnknown):
                await sandbox.create_package(body(handle, "Dropped Package"))
            names = [p.name for p in await sandbox.list_packages()]
            assert names == ["Dropped Package"]  # committed once, never repeated

    run(go())


def test_rate_limited_reads_are_retried_over_http(sim_server: Callable[..., Any]) -> None:
    from reconciler.clock import FakeClock
    from reconciler.simulator.faults import Faults

    handle = sim_server(profile="current", faults=Faults(rate_limit=0.5, retry_after=3, seed=7))
    clock = FakeClock()
    prof = get_profile("current")

    async def go() -> None:
        async with PromotionClient("sandbox", prof.api_root(handle.url("sandbox")), prof,
                                   clock=clock, timeout=5.0,
                                   retry=RetryPolicy(max_attempts=20, total_budget=1000)
                                   ) as sandbox:
            for _ in range(6):
                assert await sandbox.list_packages() == []

    run(go())
    assert clock.sleeps and set(clock.sleeps) == {3.0}
