"""A misbehaving or unreachable server ends the real CLI with exit 1 and one clear message
(method, URL, status, excerpt, hint), never a traceback, and never shows the key."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from compat_repo import AGENCY, CompatRepo, new_repo, package_doc
from compat_server import CompatHandle

LIST_PATH = "/environment-promotion/api/v1/packages"


def _repo(tmp_path: Path, server: CompatHandle | str, **config: object) -> CompatRepo:
    repo = new_repo(tmp_path, server, **config)
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY),
                                        status="TESTING"))
    return repo


def _fails_cleanly(repo: CompatRepo, capsys: pytest.CaptureFixture[str], canary: str,
                   *args: str) -> str:
    code, out, err = repo.cli(capsys, *args)
    assert code == 1, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in err and canary not in out + err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "hint:" in err
    return err


@pytest.mark.parametrize(("fault", "expected"), [
    ("html500", r"HTTP 500\): 500 Internal Server Error \| .*Oops"),
    ("invalid_json", r"expected JSON, got invalid JSON \(HTTP 200\)"),
    ("array", r"package object without an id \(HTTP 200\)"),
    ("empty", r"empty body \(HTTP 200\)"),
    ("redirect", r"redirected to https://login\.example\.test/sso \(HTTP 301\)"),
    ("404", r"HTTP 404\)"),
    ("429", r"rate limited; gave up after retrying \(HTTP 429\)"),
])
def test_a_broken_listing_is_one_clear_error(fault: str, expected: str,
                                             compat: Callable[..., CompatHandle],
                                             tmp_path: Path, canary: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"list": fault})
    repo = _repo(tmp_path, server)
    plan_file, report = tmp_path / "plan.json", tmp_path / "report.json"
    for args in (("plan", "--out", str(plan_file)),
                 ("apply", "--auto-approve", "--report", str(report))):
        err = _fails_cleanly(repo, capsys, canary, *args)
        assert f"GET {server.url}{LIST_PATH}" in err
        assert re.search(expected, err), err
    assert server.state.packages == {}
    assert not plan_file.exists()                           # nothing half-written
    # A failed apply still writes its report: the error, and nothing applied.
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"]["exit_code"] == 1 and data["results"] == []
    assert re.search(expected, data["error"]["message"] + " " + err), data
    assert canary not in report.read_text(encoding="utf-8")


def test_404_on_the_listing_points_at_the_url_and_profile(
        compat: Callable[..., CompatHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"list": "404"})
    err = _fails_cleanly(_repo(tmp_path, server), capsys, canary, "plan")
    assert "url" in err.split("hint:")[1] and "api:" in err.split("hint:")[1]


def test_wrong_profile_base_path_is_explained(compat: Callable[..., CompatHandle],
                                              tmp_path: Path, canary: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(legacy=True)            # serves /environment-promotion/v1 only
    repo = _repo(tmp_path, server)
    repo.api = "current"
    repo.write_config()
    err = _fails_cleanly(repo, capsys, canary, "plan")
    assert "HTTP 404" in err and "api:" in err


def test_a_429_storm_that_ends_is_ridden_out(compat: Callable[..., CompatHandle],
                                             tmp_path: Path, canary: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"list": "429", "create": "429", "get": "429"}, fault_count=2)
    repo = _repo(tmp_path, server)
    code, out, err = repo.cli(capsys, "apply", "--auto-approve")
    assert code == 0, err
    assert canary not in out + err
    code, out, _ = repo.cli(capsys, "plan")
    assert code == 0 and "No changes." in out


def test_a_hanging_server_times_out(compat: Callable[..., CompatHandle], tmp_path: Path,
                                    canary: str, capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"list": "hang"})
    repo = _repo(tmp_path, server, request_timeout=0.2)
    err = _fails_cleanly(repo, capsys, canary, "plan")
    assert f"GET {server.url}{LIST_PATH}" in err and "timed out" in err
    assert "reachable" in err


def test_connection_refused(tmp_path: Path, canary: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    repo = _repo(tmp_path, f"http://127.0.0.1:{port}")
    err = _fails_cleanly(repo, capsys, canary, "plan")
    assert f"GET http://127.0.0.1:{port}{LIST_PATH}" in err
    assert "cannot connect" in err and "reachable" in err


@pytest.mark.parametrize("html", [False, True])
def test_refused_key_is_named_but_never_shown(html: bool, compat: Callable[..., CompatHandle],
                                              tmp_path: Path, canary: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(api_key="the-right-key-1234", auth_html=html)
    repo = _repo(tmp_path, server)
    for args in (("plan",), ("apply", "--auto-approve")):
        err = _fails_cleanly(repo, capsys, canary, *args)
        assert "credentials refused (HTTP 401)" in err and "$WF_KEY" in err
        assert "***" in err  # the service echoed the key; it is masked


@pytest.mark.parametrize("list_status", [True, False])
def test_a_post_whose_connection_drops_after_commit_creates_once(
        list_status: bool, compat: Callable[..., CompatHandle], tmp_path: Path,
        canary: str, capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"create": "drop"}, fault_count=1, list_status=list_status,
                    assembly_gets=3)
    repo = _repo(tmp_path, server)
    report = tmp_path / "report.json"
    code, out, err = repo.cli(capsys, "apply", "--auto-approve", "--report", str(report))
    assert code == 0, out + err
    assert canary not in out + err + report.read_text()
    assert [p["status"] for p in server.state.packages.values()] == ["TESTING"]
    assert json.loads(report.read_text())["summary"]["applied"] == 1
    code, out, _ = repo.cli(capsys, "plan")
    assert code == 0 and "No changes." in out


def test_a_500_page_on_create_is_checked_then_retried_once(
        compat: Callable[..., CompatHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A 500 may hide a committed create: apply lists, finds nothing, and posts once more.
    server = compat(faults={"create": "html500"}, fault_count=1, list_status=False)
    code, out, err = _repo(tmp_path, server).cli(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    assert canary not in out + err
    assert [p["status"] for p in server.state.packages.values()] == ["TESTING"]


@pytest.mark.parametrize("fault", ["array", "invalid_json", "empty", "garbage_after_commit"])
def test_an_unreadable_create_answer_is_resolved_by_listing(
        fault: str, compat: Callable[..., CompatHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A 2xx whose body cannot be read: the create may well have happened. The package list
    # decides; the package is then waited for and its status set, in the same run.
    server = compat(faults={"create": fault}, fault_count=1, list_status=False)
    repo = _repo(tmp_path, server)
    code, out, err = repo.cli(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    assert "Traceback" not in err and canary not in out + err
    assert [p["status"] for p in server.state.packages.values()] == ["TESTING"]
    code, out, _ = repo.cli(capsys, "plan")
    assert code == 0 and "No changes." in out


def test_a_create_answer_that_is_never_readable_fails_the_action(
        compat: Callable[..., CompatHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"create": "array"})
    repo = _repo(tmp_path, server)
    report = tmp_path / "report.json"
    code, out, err = repo.cli(capsys, "apply", "--auto-approve", "--report", str(report))
    assert code == 1 and "Traceback" not in err
    assert canary not in out + err + report.read_text()
    result = json.loads(report.read_text())["results"][0]
    assert result["outcome"] == "failed" and result["hint"]
    assert "failed twice" in result["error"] and "expected a package object, got list" in \
        result["error"]
    assert server.state.packages == {}


@pytest.mark.parametrize(("kind", "prune"), [("patch", "disable"), ("delete", "delete")])
def test_a_write_whose_connection_drops_after_commit_is_repeated_safely(
        kind: str, prune: str, compat: Callable[..., CompatHandle], tmp_path: Path,
        canary: str, capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(soft_delete=True, list_status=False)
    repo = _repo(tmp_path, server, prune=prune)
    repo.put("ops.yaml", package_doc("Ops Dashboard", ("TMPL", AGENCY)))
    assert repo.cli(capsys, "apply", "--auto-approve")[0] == 0
    server.quirks.faults = {kind: "drop"}
    server.quirks.fault_count = 1
    repo.remove("ops.yaml")
    code, out, err = repo.cli(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    assert canary not in out + err
    code, out, _ = repo.cli(capsys, "plan")
    assert code == 0 and "No changes." in out


def test_a_create_that_hangs_once_is_checked_then_sent_again(
        compat: Callable[..., CompatHandle], tmp_path: Path, canary: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    server = compat(faults={"create": "hang"}, fault_count=1)
    repo = _repo(tmp_path, server, request_timeout=0.3)
    code, out, err = repo.cli(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    assert [p["status"] for p in server.state.packages.values()] == ["TESTING"]
