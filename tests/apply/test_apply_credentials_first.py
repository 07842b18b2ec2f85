"""apply checks every credential it needs before its first write (issue 20, item 3).

Through the CLI against the simulator over HTTP: with the install targets' variables unset,
apply (of the files, or of a saved plan) names every missing variable at once and writes
nothing; a credential the target refuses (a server answering 401) is found by one read before
anything is created. The secret (a canary) never appears in any output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_sim import Repo, sid

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle, app_in_thread


def doc(install: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "Campaign Launch", "description": "tests", "source": "sandbox",
            "status": "ACTIVE",
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": sid("TMPL", "Campaign Launch"), "name": "Campaign Launch"}]}],
            "install": install}


def write_config(repo: Repo, production_url: str) -> None:
    sim = repo.sim
    repo.config_path.write_text(
        f"api: {sim.profile}\nowner: o\npackages: promotions/\nenvironments:\n"
        f"  sandbox: {{url: {sim.url('sandbox')}, kind: sandbox}}\n"
        f"  preview: {{url: {sim.url('preview')}, kind: preview, "
        "auth: {apikey_env: WF_PREVIEW_KEY}}\n"
        f"  production: {{url: {production_url}, kind: production, "
        "auth: {apikey_env: WF_PROD_KEY}}\n"
        "simulator: {assembly_seconds: 0}\n", encoding="utf-8")


def test_missing_install_credentials_are_all_named_before_anything_is_written(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    sim = sim_server()
    repo = Repo(tmp_path, sim)
    write_config(repo, sim.url("production"))
    repo.put("a.yaml", doc([{"environment": "preview"},
                            {"environment": "production", "after": ["preview"]}]))
    monkeypatch.delenv("WF_PREVIEW_KEY", raising=False)
    monkeypatch.delenv("WF_PROD_KEY", raising=False)
    config = str(repo.config_path)

    assert run(["--config", config, "apply", "--auto-approve"]) == 1
    err = capsys.readouterr().err
    assert "apply needs credentials that are not set" in err
    assert "$WF_PREVIEW_KEY" in err and "$WF_PROD_KEY" in err and "'production'" in err
    assert "nothing was changed" in err and "Traceback" not in err
    assert sim.state.world.packages == {}

    saved = tmp_path / "plan.json"               # planning needs the listing's only
    assert run(["--config", config, "plan", "--out", str(saved)]) == 0
    capsys.readouterr()
    assert run(["--config", config, "apply", "--format", "json", str(saved)]) == 1
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]["message"]
    assert "$WF_PREVIEW_KEY" in error and "$WF_PROD_KEY" in error
    assert sim.state.world.packages == {} and sim.state.world.installations == {}

    monkeypatch.setenv("WF_PREVIEW_KEY", canary)
    assert run(["--config", config, "apply", str(saved)]) == 1
    captured = capsys.readouterr()
    assert "$WF_PROD_KEY" in captured.err and "WF_PREVIEW_KEY" not in captured.err
    assert canary not in captured.out + captured.err
    assert sim.state.world.packages == {}

    monkeypatch.setenv("WF_PROD_KEY", canary)
    assert run(["--config", config, "-vv", "apply", str(saved)]) == 0
    captured = capsys.readouterr()
    assert canary not in captured.out + captured.err
    assert len(sim.state.world.installations) == 2


async def refuse_everything(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A Workfront host that accepts no credential: 401 to every request."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b'{"error": {"message": "invalid API key"}}'
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def test_a_refused_install_credential_is_found_before_the_package_is_created(
        sim_server: Callable[..., SimulatorHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    sim = sim_server()
    repo = Repo(tmp_path, sim)
    with app_in_thread(refuse_everything) as port:
        write_config(repo, f"http://127.0.0.1:{port}")
        repo.put("a.yaml", doc([{"environment": "production"}]))
        monkeypatch.setenv("WF_PREVIEW_KEY", canary)
        monkeypatch.setenv("WF_PROD_KEY", canary)
        code = run(["--config", str(repo.config_path), "apply", "--auto-approve"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "apply needs credentials that were refused: environment 'production'" \
        in captured.err
    assert "nothing was changed" in captured.err and "Traceback" not in captured.err
    assert canary not in captured.out + captured.err
    assert sim.state.world.packages == {}
