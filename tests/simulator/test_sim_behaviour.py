"""Each behaviour knob changes what the simulator answers, over HTTP, and wfpromote's client
reads every answer (issue 18 item 9). The install path under every knob is
tests/apply/test_apply_behaviour_matrix.py; here each knob is shown to take effect."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from simhelpers import body, sid

from reconciler.api.client import PromotionClient
from reconciler.api.transport import RetryPolicy
from reconciler.domain.profiles import get_profile
from reconciler.errors import ApiError
from reconciler.simulator.behaviour import CHOICES, Behaviour, every_setting
from reconciler.simulator.faults import Faults
from reconciler.simulator.seed import SourceRecord
from reconciler.simulator.server import SimulatorHandle

Start = Callable[..., SimulatorHandle]
BASE = {"current": "/environment-promotion/api/v1", "2023": "/environment-promotion/v1"}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def started(sim_server: Start, profile: str = "current", **knobs: str) -> SimulatorHandle:
    return sim_server(profile=profile, faults=Faults(behaviour=Behaviour().with_(**knobs)))


def api(sim: SimulatorHandle, env: str) -> str:
    return sim.url(env) + BASE[sim.profile]


def package(http: httpx.Client, sim: SimulatorHandle, *items: tuple[str, str],
            status: str = "ACTIVE") -> str:
    created = http.post(api(sim, "sandbox") + "/packages",
                        json=body(*items, source=sim.url("sandbox"))).json()["data"]
    wire = get_profile(sim.profile).wire_status(status)
    assert http.patch(api(sim, "sandbox") + f"/packages/{created['id']}",
                      json={"status": wire}).status_code == 200
    return str(created["id"])


def prerun(http: httpx.Client, sim: SimulatorHandle, pid: str, env: str = "preview") -> Any:
    return http.post(api(sim, env) + f"/packages/{pid}/prepare-installation", json={}).json()


def client(sim: SimulatorHandle, env: str) -> PromotionClient:
    prof = get_profile(sim.profile)
    return PromotionClient(env, prof.api_root(sim.url(env)), prof, timeout=5.0,
                           retry=RetryPolicy(max_attempts=1))


def test_knobs_parse_and_refuse_unknown_values() -> None:
    assert Behaviour.parse("e11_answer=text, error_shape=flat") == Behaviour(
        e11_answer="text", error_shape="flat")
    assert Behaviour.parse(["unique_names=unlisted"], base=Behaviour(e11_answer="text")) == \
        Behaviour(e11_answer="text", unique_names="unlisted")
    with pytest.raises(ValueError, match="expected one of json, text"):
        Behaviour(e11_answer="xml")
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        Behaviour.parse("nonsense=1")
    assert Faults.from_env({"WFPROMOTE_SIM_BEHAVIOUR": "e8_package_id=absent",
                            "WFPROMOTE_SIM_FAIL_RECORDS": "Gold, Silver"}) == Faults(
        behaviour=Behaviour(e8_package_id="absent"), fail_records=("Gold", "Silver"))
    assert len(every_setting()) == sum(len(v) for v in CHOICES.values())
    for name, values in CHOICES.items():
        assert getattr(Behaviour(), name) == values[0]   # the first value is the default


@pytest.mark.parametrize("status", ["409", "400"])
@pytest.mark.parametrize("shape", ["nested", "flat", "text"])
@pytest.mark.parametrize("profile", ["current", "2023"])
def test_a_refused_prerun_reads_alike_whatever_the_code_and_body(
        status: str, shape: str, profile: str, sim_server: Start, http: httpx.Client) -> None:
    sim = started(sim_server, profile, refusal_status=status, error_shape=shape)
    pid = package(http, sim, ("TMPL", "Campaign Launch"), status="TESTING")
    answer = http.post(api(sim, "production") + f"/packages/{pid}/prepare-installation",
                       json={})
    assert answer.status_code == int(status)
    message = "a package in status TESTING cannot be installed into a production environment"
    if shape == "text":
        assert answer.text == message
    elif shape == "flat":
        assert answer.json()["message"] == message
    else:
        assert answer.json() == {"error": {"message": message}}

    async def go() -> None:
        async with client(sim, "production") as production:
            with pytest.raises(ApiError) as caught:
                await production.prepare_installation(pid)
        text = str(caught.value)
        assert f"(HTTP {status})" in text, text
        assert message in text, text     # the service's reason is quoted, whatever the shape

    asyncio.run(go())


@pytest.mark.parametrize("mode", ["refuse", "prerun-target"])
def test_an_install_through_another_environment(mode: str, sim_server: Start,
                                                http: httpx.Client) -> None:
    sim = started(sim_server, install_elsewhere=mode)
    pid = package(http, sim, ("TMPL", "New Agency Offboarding"))
    prep = prerun(http, sim, pid, "preview")
    answer = http.post(api(sim, "production") + f"/installations/{prep['id']}/install",
                       json={})
    if mode == "refuse":
        assert answer.status_code == 409 and "was prepared for preview" in answer.text
        return
    assert answer.status_code == 202
    envs = sim.state.world.environments
    assert envs["preview"].find("TMPL", "New Agency Offboarding") is not None
    assert envs["production"].find("TMPL", "New Agency Offboarding") is None


@pytest.mark.parametrize("mode", ["refuse", "ignore"])
def test_a_map_on_the_current_e7(mode: str, sim_server: Start, http: httpx.Client) -> None:
    sim = started(sim_server, e7_map=mode)
    pid = package(http, sim, ("TMPL", "New Agency Offboarding"))
    prep = prerun(http, sim, pid)
    edited = prep["translationMap"]
    edited["TTSK"][sid("TTSK", "Exit Interview")]["action"] = "IGNORE"
    answer = http.post(api(sim, "preview") + f"/installations/{prep['id']}/install",
                       json={"translationMap": edited})
    if mode == "refuse":
        assert answer.status_code == 400
        return
    assert answer.status_code == 202      # accepted, and the pre-run's map is what ran
    assert sim.state.world.environments["preview"].find("TTSK", "Exit Interview") is not None


@pytest.mark.parametrize("mode", ["none", "IGNORED"])
def test_the_status_of_ignored_entries(mode: str, sim_server: Start,
                                       http: httpx.Client) -> None:
    sim = started(sim_server, ignore_status=mode)
    pid = package(http, sim, ("TMPL", "New Agency Offboarding"))
    tmap = prerun(http, sim, pid)["translationMap"]
    tmap["TTSK"][sid("TTSK", "Exit Interview")]["action"] = "IGNORE"
    iid = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                    json={"translationMap": tmap}).json()
    entry = http.get(api(sim, "preview") + f"/installations/{iid}").json()[
        "translationMap"]["TTSK"][sid("TTSK", "Exit Interview")]
    assert entry.get("installationStatus") == (None if mode == "none" else "IGNORED")


@pytest.mark.parametrize("mode", ["fallback", "existing"])
def test_children_of_an_ignored_record_the_target_holds(mode: str, sim_server: Start,
                                                         http: httpx.Client) -> None:
    sim = started(sim_server, ignored_existing_parent=mode)
    pid = package(http, sim, ("TMPL", "Campaign Launch"))
    tmap = prerun(http, sim, pid)["translationMap"]
    tmap["TMPL"][sid("TMPL", "Campaign Launch")]["action"] = "IGNORE"
    iid = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                    json={"translationMap": tmap}).json()
    done = http.get(api(sim, "preview") + f"/installations/{iid}").json()
    assert done["status"] == "INSTALLED"           # dependants fall back (reference 2.4)
    preview = sim.state.world.environments["preview"]
    task, launch = preview.find("TTSK", "Creative Brief"), preview.find("TMPL",
                                                                        "Campaign Launch")
    assert task is not None and launch is not None
    assert task.parentID == (None if mode == "fallback" else launch.ID)


@pytest.mark.parametrize("mode", ["OVERWRITING", "USEEXISTING"])
def test_a_matched_child_of_an_overwritten_parent(mode: str, sim_server: Start,
                                                   http: httpx.Client) -> None:
    sim = started(sim_server, overwritten_child=mode)
    preview = sim.state.world.environments["preview"]
    launch = preview.find("TMPL", "Campaign Launch")
    assert launch is not None
    preview.records["t1"] = SourceRecord("TTSK", "t1", "Creative Brief", "old", launch.ID)
    pid = package(http, sim, ("TMPL", "Campaign Launch"))
    tmap = prerun(http, sim, pid)["translationMap"]
    tmap["TMPL"][sid("TMPL", "Campaign Launch")]["action"] = "OVERWRITING"
    iid = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                    json={"translationMap": tmap}).json()
    entry = http.get(api(sim, "preview") + f"/installations/{iid}").json()[
        "translationMap"]["TTSK"][sid("TTSK", "Creative Brief")]
    assert (entry["action"], entry["installationStatus"]) == (mode, "INSTALLED")
    assert preview.records["t1"].description == "Creative Brief (seeded in sandbox)"


@pytest.mark.parametrize("mode", ["documented", "unlisted"])
def test_which_types_refuse_a_second_name(mode: str, sim_server: Start,
                                          http: httpx.Client) -> None:
    sim = started(sim_server, unique_names=mode)
    pid = package(http, sim, ("ROLE", "Account Manager"), ("TMPL", "Campaign Launch"),
                  ("GROUP", "Default Group"))
    tmap = prerun(http, sim, pid)["translationMap"]
    for code, name in (("ROLE", "Account Manager"), ("TMPL", "Campaign Launch"),
                       ("GROUP", "Default Group")):
        tmap[code][sid(code, name)].update(action="CREATE", targetId="")
    iid = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                    json={"translationMap": tmap}).json()
    done = http.get(api(sim, "preview") + f"/installations/{iid}").json()["translationMap"]
    status = {code: next(iter(entries.values()))["installationStatus"]
              for code, entries in done.items()}
    assert status["GROUP"] == "FAILED"      # documented: group names are unique (2.4, 3.3)
    assert status["TMPL"] == "INSTALLED"    # documented: templates may repeat a name (2.4)
    assert status["ROLE"] == ("INSTALLED" if mode == "documented" else "FAILED")


@pytest.mark.parametrize("mode", ["present", "absent"])
@pytest.mark.parametrize("profile", ["current", "2023"])
def test_the_package_id_in_installations(mode: str, profile: str, sim_server: Start,
                                         http: httpx.Client) -> None:
    sim = started(sim_server, profile, e8_package_id=mode)
    pid = package(http, sim, ("TMPL", "Campaign Launch"))
    prep = prerun(http, sim, pid)
    [listed] = http.get(api(sim, "preview") + "/installations",
                        params={"environmentPromotionPackageId": pid}).json()
    for item in (prep, listed):
        assert ("environmentPromotionPackageId" in item) is (mode == "present")
        assert ("blueprintId" in item) is (mode == "present" and profile == "2023")

    async def go() -> None:
        async with client(sim, "preview") as preview:
            [history] = await preview.list_installations(pid)
        assert history.id == prep["id"]

    asyncio.run(go())


@pytest.mark.parametrize("mode", ["json", "text"])
def test_the_answer_of_e11(mode: str, sim_server: Start, http: httpx.Client) -> None:
    sim = started(sim_server, e11_answer=mode)
    pid = package(http, sim, ("TMPL", "Campaign Launch"))
    tmap = prerun(http, sim, pid)["translationMap"]
    answer = http.post(api(sim, "preview") + f"/packages/{pid}/install",
                       json={"translationMap": tmap})
    assert answer.status_code == 202
    installed = [i for i in sim.state.world.installations.values() if i.status != "PREPARING"]
    assert answer.text == (f'"{installed[0].id}"' if mode == "json" else installed[0].id)

    async def go() -> None:
        from reconciler.api.decode import translation_map

        async with client(sim, "preview") as preview:
            got = await preview.install_with_map(pid, translation_map(tmap))
        assert got in sim.state.world.installations

    asyncio.run(go())


@pytest.mark.parametrize("mode", ["documented", "host", "url"])
def test_the_environment_of_an_installation(mode: str, sim_server: Start,
                                             http: httpx.Client) -> None:
    sim = started(sim_server, environment_field=mode)
    pid = package(http, sim, ("TMPL", "Campaign Launch"))
    prep = prerun(http, sim, pid)
    got = http.get(api(sim, "preview") + f"/installations/{prep['id']}").json()
    host = f"127.0.0.1:{sim.port}/preview"
    url = f"http://{host}"
    expected = {"documented": (host, url), "host": (host, host), "url": (url, url)}[mode]
    assert (prep["environment"], got["environment"]) == expected

    async def go() -> None:
        async with client(sim, "preview") as preview:
            [history] = await preview.list_installations(pid)
            assert history.environment == preview.environment_key == host

    asyncio.run(go())


@pytest.mark.parametrize("mode", ["present", "absent"])
def test_parent_links_in_package_entities(mode: str, sim_server: Start,
                                          http: httpx.Client) -> None:
    from reconciler.plan.translation import parent_links

    sim = started(sim_server, entity_parents=mode)
    pid = package(http, sim, ("TMPL", "Campaign Launch"))
    entities = http.get(api(sim, "preview") + f"/packages/{pid}").json()["data"][
        "packageEntities"]
    links = parent_links(entities)
    if mode == "absent":
        assert links is None
        return
    assert links is not None
    assert links[sid("TTSK", "Creative Brief")] == sid("TMPL", "Campaign Launch")


def test_bad_knobs_are_one_clear_message(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.cli import run

    assert run(["simulator", "serve", "--port", "0", "--behaviour", "e11_answer=xml"]) == 1
    err = capsys.readouterr().err
    assert "behaviour e11_answer='xml': expected one of json, text" in err
    assert "Traceback" not in err
    monkeypatch.setenv("WFPROMOTE_SIM_BEHAVIOUR", "nonsense")
    assert run(["simulator", "serve", "--port", "0"]) == 1
    assert "expected NAME=VALUE" in capsys.readouterr().err


def test_the_embedded_simulator_reads_the_knobs(tmp_path: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.desired.config import load_config
    from reconciler.run.settings import simulator_settings
    from reconciler.simulator.embedded import EmbeddedTransport, embedded_transport

    (tmp_path / "wfpromote.yaml").write_text(
        "api: current\nowner: o\npackages: p/\nenvironments:\n"
        "  sandbox: {url: simulator, kind: sandbox}\n", encoding="utf-8")
    monkeypatch.setenv("WFPROMOTE_SIM_BEHAVIOUR", "error_shape=text,e11_answer=text")
    transport = embedded_transport(
        simulator_settings(load_config(str(tmp_path / "wfpromote.yaml"))))
    assert isinstance(transport, EmbeddedTransport)
    assert transport.simulator.behaviour == Behaviour(error_shape="text", e11_answer="text")
