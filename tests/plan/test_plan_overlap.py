"""`plan` sends its one listing request while the package files are read, and a broken run
still reports what it reported before: the files' problems first, then credentials and the
service."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from reconciler.api.client import PromotionClient
from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.desired import loader
from reconciler.run.settings import load_settings

PACKAGE = ("name: Agency Templates\nsource: sandbox\nstatus: DRAFT\nobjectCollections:\n"
           "  - objCode: TMPL\n    entities:\n      - ID: 5f3c9a0e7b2d4c18a6e0f4b92d7c1a35\n")
BROKEN = "name: Broken\nsource: sandbox\nstatus: SHIPPED\n"


def write_repo(root: Path, url: str, *, auth: str = "{apikey_env: WFP_OVERLAP_KEY}",
               broken: bool = False) -> Path:
    (root / "packages").mkdir(parents=True)
    (root / "packages" / "agency.yaml").write_text(PACKAGE)
    if broken:
        (root / "packages" / "broken.yaml").write_text(BROKEN)
    config = root / "wfpromote.yaml"
    config.write_text(f"owner: acme-workfront\npackages: packages/\nenvironments:\n"
                      f"  sandbox: {{url: '{url}', kind: sandbox, auth: {auth}}}\n")
    return config


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_listing_is_sent_while_the_files_are_read(
        tmp_path: Path, sim_server, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        canary: str, capsys: pytest.CaptureFixture[str]) -> None:
    handle = sim_server()
    config = write_repo(tmp_path, handle.url("sandbox"))
    monkeypatch.setenv("WFP_OVERLAP_KEY", canary)
    listing_started = threading.Event()
    seen_while_reading: list[bool] = []
    list_packages = PromotionClient.list_packages
    loading = loader.loading

    async def listing(self: PromotionClient):  # type: ignore[no-untyped-def]
        listing_started.set()
        return await list_packages(self)

    def reading(*args, **kwargs):  # type: ignore[no-untyped-def]
        # As if there were many files: sequential code lists only after they are all read.
        for _ in range(10_000):
            if listing_started.is_set():
                break
            yield
        seen_while_reading.append(listing_started.is_set())
        return (yield from loading(*args, **kwargs))

    monkeypatch.setattr(PromotionClient, "list_packages", listing)
    monkeypatch.setattr(loader, "loading", reading)
    code = run(["--config", str(config), "plan", "--detailed-exitcode"])
    out, err = capsys.readouterr()
    assert seen_while_reading == [True]
    assert code == 2, err
    assert "Agency Templates" in out
    assert canary not in out + err


def test_the_files_problems_come_before_a_missing_credential(
        tmp_path: Path, sim_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    config = write_repo(tmp_path, sim_server().url("sandbox"), broken=True)
    code = run(["--config", str(config), "plan"])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.yaml" in err and "SHIPPED" in err
    assert "WFP_OVERLAP_KEY" not in err
    assert "Traceback" not in err


def test_the_files_problems_come_before_the_simulator_refused_in_ci(
        tmp_path: Path, sim_server, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        canary: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_repo(tmp_path, sim_server().url("sandbox"), broken=True)
    config.write_text(config.read_text() + "  preview: {url: simulator, kind: preview}\n")
    monkeypatch.setenv("WFP_OVERLAP_KEY", canary)
    monkeypatch.setenv("CI", "true")
    code = run(["--config", str(config), "plan"])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.yaml" in err and "SHIPPED" in err
    assert "refused in CI" not in err and "Traceback" not in err
    (tmp_path / "packages" / "broken.yaml").unlink()  # the files fine: now the refusal
    assert run(["--config", str(config), "plan"]) == 1
    assert "refused in CI" in capsys.readouterr().err


def test_a_missing_credential_is_reported_when_the_files_are_fine(
        tmp_path: Path, sim_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    config = write_repo(tmp_path, sim_server().url("sandbox"))
    code = run(["--config", str(config), "plan"])
    err = capsys.readouterr().err
    assert code == 1
    assert "$WFP_OVERLAP_KEY" in err
    assert "Traceback" not in err


def test_the_files_problems_come_before_an_unreachable_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = write_repo(tmp_path, f"http://127.0.0.1:{closed_port()}", broken=True)
    monkeypatch.setenv("WFP_OVERLAP_KEY", canary)
    code = run(["--config", str(config), "plan"], clock=FakeClock())  # retries: no real sleep
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.yaml" in err and "SHIPPED" in err
    # The listing may have said it is retrying (a warning), but its failure is not the error.
    assert "request failed" not in err and "is the server reachable" not in err
    assert canary not in err and "Traceback" not in err


def test_an_unreachable_service_is_reported_when_the_files_are_fine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    config = write_repo(tmp_path, f"http://127.0.0.1:{port}")
    monkeypatch.setenv("WFP_OVERLAP_KEY", canary)
    code = run(["--config", str(config), "plan"], clock=FakeClock())  # retries: no real sleep
    err = capsys.readouterr().err
    assert code == 1
    assert "request failed" in err and str(port) in err
    assert canary not in err and "Traceback" not in err


def test_a_slow_listing_is_cancelled_when_the_files_are_broken(
        tmp_path: Path, sim_server, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        canary: str, capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.simulator.faults import Faults

    handle = sim_server(faults=Faults(latency_ms=30_000))
    config = write_repo(tmp_path, handle.url("sandbox"), broken=True)
    monkeypatch.setenv("WFP_OVERLAP_KEY", canary)
    code = run(["--config", str(config), "plan"])  # does not wait out the 30 s
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.yaml" in err
    assert "Task was destroyed" not in err and "Traceback" not in err


def test_reading_pauses_after_every_file_and_document(tmp_path: Path) -> None:
    from reconciler.desired.config import load_config

    config_path = write_repo(tmp_path, "http://127.0.0.1:9", broken=True)
    (tmp_path / "packages" / "two.yaml").write_text(
        PACKAGE.replace("Agency Templates", "Second") + "---\n"
        + PACKAGE.replace("Agency Templates", "Third"))
    config = load_config(str(config_path))
    steps = loader.loading(load_settings(config))
    pauses = 0
    with pytest.raises(loader.ValidationFailed) as failed:
        while True:
            next(steps)
            pauses += 1
    assert pauses == 3 + 4  # three files read, four documents checked
    assert "SHIPPED" in str(failed.value.problems)
    # Without the broken file, the same steps end with the specs, sorted by name.
    (tmp_path / "packages" / "broken.yaml").unlink()
    specs = loader.finish(loader.loading(load_settings(config)))
    assert [s.name for s in specs] == ["Agency Templates", "Second", "Third"]
