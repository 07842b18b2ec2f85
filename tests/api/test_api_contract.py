"""Every response shape the reference shows, in every doc era, read through the client."""

from __future__ import annotations

import json

import httpx
import pytest
from apihelpers import Script, json_reply, make_client, run, shape

from reconciler.domain.remote import TranslationEntry
from reconciler.errors import ApiError, WfpromoteError

PKG = "2e6a94c0-4c1f-4b7e-9a53-0f1b2c3d4e5f"
INST = "9f1c7a52-1111-4222-8333-444455556666"
CURRENT = "/environment-promotion/api/v1"
OLD = "/environment-promotion/v1"


def test_create_sends_name_and_json_headers_under_current() -> None:
    script = Script().on("POST", "/packages", json_reply(shape("package_create_current.json")))
    body = {"packageName": "Agency Onboarding", "description": "d",
            "source": "https://acme.sb01.workfront.com",
            "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": "a" * 32}]}]}

    async def go() -> None:
        async with make_client(script) as client:
            pkg = await client.create_package(body)
            assert pkg.status == "ASSEMBLING"
            assert pkg.source == "https://acme.sb01.workfront.com"

    run(go())
    (request,) = script.requests
    assert request.url.path == f"{CURRENT}/packages"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    sent = json.loads(request.content)
    assert sent["name"] == "Agency Onboarding" and "packageName" not in sent
    assert sent["objectCollections"][0]["entities"][0]["ID"] == "a" * 32


def test_create_reads_2023_shape_under_2023_profile() -> None:
    script = Script().on("POST", "/packages", json_reply(shape("package_create_2023_07.json")))

    async def go() -> None:
        async with make_client(script, "2023") as client:
            pkg = await client.create_package({"name": "Agency Onboarding - 2023-06-06"})
            assert pkg.status == "ASSEMBLING"          # EXTRACTING
            assert pkg.model_extra is not None
            assert pkg.model_extra["isPrivate"] is True
            assert pkg.model_extra["installationCounts"] == {}

    run(go())
    assert script.requests[0].url.path == f"{OLD}/packages"


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_list_old_era_shapes(profile: str) -> None:
    script = Script().on("GET", "/packages", json_reply(shape("package_list_2023_07.json")))

    async def go() -> None:
        async with make_client(script, profile) as client:
            items = await client.list_packages()
        assert [p.status for p in items] == ["ASSEMBLING", "ACTIVE", "DISABLED", "TESTING",
                                            "DRAFT"]
        assert items[1].name == "Old Spelling"      # packageName
        assert items[1].description == ""           # null
        assert all(p.packageEntities is None for p in items)

    run(go())


def test_list_current_shapes_keep_unknowns() -> None:
    script = Script().on("GET", "/packages", json_reply(shape("package_list_current.json")))

    async def go() -> None:
        async with make_client(script) as client:
            items = await client.list_packages()
        by_name = {p.name: p for p in items}
        assert by_name["Gone"].description == ""      # the string "null"
        assert by_name["Gone"].deleted
        assert not by_name["Agency Onboarding"].deleted
        assert by_name["Never Assembled"].status == "UNASSEMBLED"
        assert by_name["Odd"].status == "QUARANTINED"
        assert by_name["Odd"].model_extra == {"someNewField": {"x": 1}}
        assert by_name["Broken"].status == "ASSEMBLING_FAILED"

    run(go())


@pytest.mark.parametrize("payload", [
    [{"id": PKG, "name": "bare list", "status": "DRAFT"}],
    {"data": [{"id": PKG, "name": "wrapped", "status": "DRAFT"}]},
])
def test_list_bare_or_wrapped(payload: object) -> None:
    script = Script().on("GET", "/packages", json_reply(payload))

    async def go() -> None:
        async with make_client(script) as client:
            (item,) = await client.list_packages()
            assert item.id == PKG

    run(go())


def test_get_old_display_entities_and_current_package_entities() -> None:
    script = (Script()
              .on("GET", "/packages/old", json_reply(shape("package_get_2023_08.json")))
              .on("GET", f"/packages/{PKG}", json_reply(shape("package_get_current.json"))))

    async def go() -> None:
        async with make_client(script) as client:
            old = await client.get_package("old")
            new = await client.get_package(PKG)
        assert old.status == "DRAFT"               # BUILDING
        assert old.packageEntities is not None
        assert old.packageEntities["GROUP"][0]["description"] == ""
        assert "displayEntities" not in (old.model_extra or {})
        assert new.packageEntities is not None
        assert set(new.packageEntities) == {"GROUP", "ROLE", "TTSK"}
        assert new.packageEntities["ROLE"][0]["description"] == ""
        assert new.source == "https://acme.sb01.workfront.com"

    run(go())


def test_get_bare_object_is_accepted() -> None:
    script = Script().on("GET", f"/packages/{PKG}", json_reply(
        {"id": PKG, "name": "bare", "status": "TESTING", "description": "null"}))

    async def go() -> None:
        async with make_client(script) as client:
            pkg = await client.get_package(PKG)
            assert (pkg.name, pkg.status, pkg.description) == ("bare", "TESTING", "")

    run(go())


def test_data_is_not_unwrapped_when_other_keys_exist() -> None:
    # A package that happens to have a "data" field next to others is the object itself.
    script = Script().on("GET", f"/packages/{PKG}", json_reply(
        {"id": PKG, "name": "x", "data": {"id": "inner"}}))

    async def go() -> None:
        async with make_client(script) as client:
            assert (await client.get_package(PKG)).id == PKG

    run(go())


@pytest.mark.parametrize(("profile", "sent_status"), [("current", "TESTING"),
                                                       ("2023", "PREVIEW")])
def test_patch_sends_profile_status_names(profile: str, sent_status: str) -> None:
    script = Script().on("PATCH", f"/packages/{PKG}",
                         json_reply(shape("package_patch_current.json")))

    async def go() -> None:
        async with make_client(script, profile) as client:
            pkg = await client.patch_package(PKG, {"status": "TESTING", "description": "d"})
            assert pkg.publishedAt == "2024-06-07T09:00:00.000Z"

    run(go())
    sent = json.loads(script.requests[0].content)
    assert sent == {"status": sent_status, "description": "d"}
    assert script.requests[0].headers["content-type"] == "application/json"


def test_patch_with_object_collections_needs_the_capability() -> None:
    script = Script().on("PATCH", f"/packages/{PKG}",
                         json_reply(shape("package_patch_current.json")))
    fields = {"source": "https://acme.sb01.workfront.com",
              "objectCollections": [{"objCode": "GROUP", "entities": [{"ID": "a" * 32}]}]}

    async def go() -> None:
        async with make_client(script, "current") as client:
            with pytest.raises(WfpromoteError, match="does not offer"):
                await client.patch_package(PKG, fields)
        async with make_client(script, "2023") as client:
            assert client.capabilities.reassemble_with_patch
            await client.patch_package(PKG, fields)

    run(go())
    assert len(script.requests) == 1


@pytest.mark.parametrize("reply", [
    httpx.Response(200, text="Deleted"),
    httpx.Response(202, text=""),
    httpx.Response(204),
    httpx.Response(200, json={"data": "Deleted"}),
])
def test_delete_any_2xx_is_success(reply: httpx.Response) -> None:
    script = Script().on("DELETE", f"/packages/{PKG}", reply)

    async def go() -> None:
        async with make_client(script) as client:
            await client.delete_package(PKG)

    run(go())
    (request,) = script.requests  # one DELETE of that package, not retried on a 2xx
    assert request.method == "DELETE"
    assert request.url.path == f"{CURRENT}/packages/{PKG}"
    assert request.content == b""


def test_definition_and_put_exist_only_under_2023() -> None:
    script = (Script()
              .on("GET", f"/packages/{PKG}/definition",
                  json_reply(shape("definition_2023_07.json")))
              .on("PUT", f"/packages/{PKG}", json_reply(shape("package_get_2023_08.json"))))

    async def go() -> None:
        async with make_client(script, "current") as client:
            assert not client.capabilities.replace_with_put
            with pytest.raises(WfpromoteError, match="'current' does not offer"):
                await client.get_definition(PKG)
            with pytest.raises(WfpromoteError, match="'current' does not offer"):
                await client.replace_package(PKG, {"name": "x"})
        assert script.requests == []
        async with make_client(script, "2023") as client:
            definition = await client.get_definition(PKG)
            assert definition["GROUP"][0]["rootName"] == "Default Group"
            replaced = await client.replace_package(
                PKG, {"packageName": "Agency Onboarding", "status": "TESTING",
                      "packageEntities": definition})
            assert replaced.packageEntities is not None

    run(go())
    put = script.requests[-1]
    assert put.url.path == f"{OLD}/packages/{PKG}"
    sent = json.loads(put.content)
    assert sent["name"] == "Agency Onboarding" and "packageName" not in sent
    assert sent["status"] == "PREVIEW"


def test_prepare_installation_reads_bare_record() -> None:
    script = Script().on("POST", f"/packages/{PKG}/prepare-installation",
                         json_reply(shape("prepare_installation_current.json")))

    async def go() -> None:
        async with make_client(script) as client:
            inst = await client.prepare_installation(PKG)
        assert inst.id == INST and inst.status == "PREPARING"
        assert inst.environment == "acme.preview.workfront.com"
        entry = inst.translationMap["GROUP"]["a" * 32]
        assert (entry.action, entry.targetId, entry.isValid) == ("USEEXISTING", "d" * 32, True)

    run(go())
    assert json.loads(script.requests[0].content) == {}


@pytest.mark.parametrize("reply", [httpx.Response(202, json={}), httpx.Response(200, json={}),
                                   httpx.Response(202, text="")])
def test_install_accepts_200_or_202(reply: httpx.Response) -> None:
    script = Script().on("POST", f"/installations/{INST}/install", reply)

    async def go() -> None:
        async with make_client(script) as client:
            await client.install(INST)

    run(go())
    assert script.requests[0].url.path == f"{CURRENT}/installations/{INST}/install"


@pytest.mark.parametrize("name", ["installations_2023_08.json", "installations_current.json"])
def test_list_installations_both_eras(name: str) -> None:
    script = Script().on("GET", "/installations", json_reply(shape(name)))

    async def go() -> None:
        async with make_client(script) as client:
            items = await client.list_installations(PKG)
        first = items[0]
        assert first.environmentPromotionPackageId is not None
        assert first.environmentPromotionPackageVersion == 1
        assert first.environment == "acme.preview.workfront.com"
        assert first.status in {"COMPLETED", "INSTALLED"}
        group = first.translationMap["GROUP"]["a" * 32]
        assert group.installationStatus == "REGISTERED"

    run(go())
    assert script.requests[0].url.params["environmentPromotionPackageId"] == PKG


def test_installation_failure_reason_is_kept() -> None:
    (installed, _) = shape("installations_current.json")
    script = Script().on("GET", "/installations/x", json_reply(installed))

    async def go() -> None:
        async with make_client(script) as client:
            inst = await client.get_installation("x")
        failed = inst.translationMap["PTLTAB"]["12" * 16]
        assert failed.installationStatus == "FAILED"
        assert failed.model_extra == {"errorMessage": "Invalid Custom Expression"}

    run(go())


def test_translation_map_bare() -> None:
    script = Script().on("POST", f"/packages/{PKG}/translation-map",
                         json_reply(shape("translation_map_current.json"), status=202))

    async def go() -> None:
        async with make_client(script) as client:
            mapping = await client.translation_map(PKG)
        assert mapping["PTLTAB"]["12" * 16].action == "CREATEWITHALTNAME"
        assert mapping["TMPL"]["e" * 32].isValid is False

    run(go())


@pytest.mark.parametrize("reply", [
    httpx.Response(202, text="5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"),
    httpx.Response(202, text='"5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"'),
    httpx.Response(202, json={"id": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}),
    httpx.Response(202, json={"installationId": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}),
    httpx.Response(202, json={"data": {"id": "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"}}),
])
def test_install_with_map_reads_every_answer_form(reply: httpx.Response) -> None:
    script = Script().on("POST", f"/packages/{PKG}/install", reply)
    mapping = {"GROUP": {"a" * 32: TranslationEntry(name="Default Group", action="OVERWRITING",
                                                    targetId="d" * 32, isValid=True,
                                                    installationStatus="REGISTERED")}}

    async def go() -> None:
        async with make_client(script) as client:
            assert await client.install_with_map(PKG, mapping) == \
                "5b1d7a52-aaaa-4bbb-8ccc-ddddeeeeffff"

    run(go())
    sent = json.loads(script.requests[0].content)
    assert sent == {"translationMap": {"GROUP": {"a" * 32: {
        "name": "Default Group", "action": "OVERWRITING", "targetId": "d" * 32,
        "isValid": True}}}}


def test_install_with_map_falls_back_to_newest_installation() -> None:
    script = (Script()
              .on("POST", f"/packages/{PKG}/install", httpx.Response(202, json={}))
              .on("GET", "/installations", json_reply(shape("installations_current.json"))))

    async def go() -> None:
        async with make_client(script) as client:
            # The newer record went into production: the fallback keeps to this client's
            # environment (preview) and this package.
            assert await client.install_with_map(PKG, {}) == \
                "9f1c7a52-1111-4222-8333-000000000001"

    run(go())


@pytest.mark.parametrize(("reply", "words"), [
    (httpx.Response(200, text="<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                              "<body><h1>Back soon</h1></body></html>",
                    headers={"content-type": "text/html"}), "HTML page"),
    (httpx.Response(200, text='{"data": {"id": "x", "name": "unterminated"'), "invalid JSON"),
    (httpx.Response(200, json={"data": "Deleted"}), "unexpected answer"),
    (httpx.Response(200, json=[1, 2]), "unexpected answer"),
])
def test_unreadable_answers_become_clear_api_errors(reply: httpx.Response, words: str) -> None:
    script = Script().on("GET", f"/packages/{PKG}", reply)

    async def go() -> None:
        async with make_client(script) as client:
            await client.get_package(PKG)

    with pytest.raises(ApiError) as caught:
        run(go())
    err = caught.value
    assert words in str(err)
    assert err.method == "GET" and err.status == 200
    assert err.url == f"https://acme.preview.workfront.com{CURRENT}/packages/{PKG}"
    assert err.excerpt and len(err.excerpt) <= 200
    assert err.hint
    if words == "HTML page":
        assert "Maintenance" in err.excerpt and "<h1>" not in err.excerpt


def test_error_status_carries_excerpt_and_url_without_secrets(canary: str) -> None:
    script = Script().on("GET", "/installations", httpx.Response(
        400, text=f'{{"error": "bad package", "echo": "{canary}"}}'))

    async def go() -> None:
        async with make_client(script) as client:
            client._http.params = httpx.QueryParams({"sessionID": canary})
            await client.list_installations(PKG)

    from reconciler.redact import register
    register(canary)
    with pytest.raises(ApiError) as caught:
        run(go())
    text = str(caught.value) + repr(caught.value) + (caught.value.hint or "")
    assert "bad package" in text
    assert canary not in text
    assert caught.value.status == 400
    assert "sessionID=***" in (caught.value.url or "")


def test_a_404_on_an_action_route_does_not_claim_the_object_is_gone() -> None:
    script = Script()  # answers 404 "no route" to everything

    async def go() -> None:
        async with make_client(script) as client:
            with pytest.raises(ApiError) as missing_route:
                await client.install("9f1c7a52-1111-4222-8333-000000000001")
            with pytest.raises(ApiError) as missing_object:
                await client.get_installation("9f1c7a52-1111-4222-8333-000000000001")
        assert missing_route.value.status == 404
        assert "does not exist" not in (missing_route.value.hint or "")
        assert "no such route" in (missing_route.value.hint or "")
        assert "does not exist" in (missing_object.value.hint or "")

    run(go())


def test_the_2023_profile_sends_an_edited_map_in_e7_and_never_e10_or_e11() -> None:
    script = Script().on("POST", "/install", httpx.Response(200, json={}))
    mapping = {"GROUP": {"a" * 32: TranslationEntry(name="Default Group", action="OVERWRITING",
                                                    targetId="d" * 32, isValid=True)}}

    async def go() -> None:
        async with make_client(script, "2023") as client:
            await client.install("9f1c7a52-1111-4222-8333-000000000001", mapping)
            with pytest.raises(WfpromoteError, match="does not offer"):
                await client.install_with_map(PKG, mapping)
            with pytest.raises(WfpromoteError, match="does not offer"):
                await client.translation_map(PKG)
        async with make_client(script, "current") as client:
            with pytest.raises(WfpromoteError, match="does not offer"):
                await client.install("9f1c7a52-1111-4222-8333-000000000001", mapping)

    run(go())
    assert len(script.requests) == 1
    assert json.loads(script.requests[0].content)["translationMap"]["GROUP"]["a" * 32][
        "action"] == "OVERWRITING"
