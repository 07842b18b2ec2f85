"""`wfpromote simulator objects`: the seeded source objects a package file can name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import run
from reconciler.simulator.seed import seed_id


@pytest.fixture(autouse=True)
def _no_config_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def objects(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert run(["simulator", "objects", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_environments_top_level_promotable_first(
        capsys: pytest.CaptureFixture[str]) -> None:
    data = objects(capsys)
    assert [(e["name"], e["kind"]) for e in data["environments"]] == [
        ("sandbox", "sandbox"), ("preview", "preview"), ("production", "production")]
    sandbox = data["environments"][0]["objects"]
    first = sandbox[0]
    assert first == {"objCode": "TMPL", "ID": seed_id("sandbox", "TMPL", "New Agency Onboarding"),
                     "name": "New Agency Onboarding", "parentID": None}
    tops = [o["parentID"] is None for o in sandbox]
    assert tops == sorted(tops, reverse=True)  # no top-level object after a sub-object
    task = next(o for o in sandbox if o["name"] == "Kickoff Call")
    assert task["parentID"] == first["ID"]


def test_env_and_code_filter(capsys: pytest.CaptureFixture[str]) -> None:
    data = objects(capsys, "--env", "preview", "--code", "tmpl")
    assert data == {"environments": [{"name": "preview", "kind": "preview", "objects": [
        {"objCode": "TMPL", "ID": seed_id("preview", "TMPL", "Campaign Launch"),
         "name": "Campaign Launch", "parentID": None}]}]}


def test_text_shows_parent_by_code_and_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulator", "objects", "--env", "sandbox", "--code", "TTSK"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "sandbox (kind sandbox): 7 object(s)"
    assert lines[1].split() == ["OBJCODE", "ID", "NAME", "PARENT"]
    kickoff = next(line for line in lines if "Kickoff Call" in line)
    assert seed_id("sandbox", "TTSK", "Kickoff Call") in kickoff
    assert kickoff.endswith("TMPL New Agency Onboarding")


def test_environments_and_kinds_come_from_the_config(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wfpromote.yaml").write_text(
        "owner: acme\nenvironments:\n"
        "  dev: {url: simulator, kind: sandbox}\n"
        "  live: {url: simulator, kind: production}\n"
        "  served: {url: 'http://127.0.0.1:8765/qa', kind: sandbox}\n"
        "  real: {url: 'https://acme.my.workfront.com', kind: production,"
        " auth: {apikey_env: WF_KEY}}\n",
        encoding="utf-8")
    data = objects(capsys)
    assert [(e["name"], e["kind"]) for e in data["environments"]] == [
        ("dev", "sandbox"), ("live", "production"), ("served", "sandbox")]
    dev, live, served = (e["objects"] for e in data["environments"])
    assert dev[0]["ID"] == seed_id("dev", "TMPL", "New Agency Onboarding")
    assert len(live) == 3
    # a served simulator knows the environment by its URL path, and the IDs follow that name
    assert served[0]["ID"] == seed_id("qa", "TMPL", "New Agency Onboarding")


def test_unknown_env_or_code_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulator", "objects", "--env", "sandbx"]) == 1
    err = capsys.readouterr().err
    assert "--env 'sandbx'" in err and "did you mean 'sandbox'" in err
    assert run(["simulator", "objects", "--code", "TSK"]) == 1
    err = capsys.readouterr().err
    assert "--code 'TSK'" in err and "did you mean 'TTSK'" in err
    assert "Traceback" not in err
