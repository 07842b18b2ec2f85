"""validate, plan, apply, plan again through the real CLI against the independent fake, under
every documented-but-different behaviour it can switch on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from compat_repo import AGENCY, CAMPAIGN, DASHBOARD, CompatRepo, new_repo, package_doc
from compat_server import CompatHandle

VARIANTS: dict[str, dict[str, Any]] = {
    "reference": {},
    "list-without-status": {"list_status": False},
    "full-list-items-packageName": {"slim_list": False, "package_name_key": True},
    "null-descriptions-and-extras": {"empty_description": "null", "extras": True},
    "soft-delete": {"soft_delete": True, "list_status": False},
    "slow-assembly": {"assembly_gets": 6},
    "one-line-descriptions": {"flatten_descriptions": True, "list_status": False},
    "data-wrapper-with-metadata": {"wrapper_meta": True},
    "patch-while-assembling-allowed": {"refuse_patch_while_assembling": False},
    "legacy-2023": {"legacy": True},
    "legacy-2023-no-status": {"legacy": True, "list_status": False,
                              "package_name_key": True},
}


def _no_secret(canary: str, *texts: str) -> None:
    for text in texts:
        assert canary not in text


def _ok(repo: CompatRepo, capsys: pytest.CaptureFixture[str], canary: str,
        *args: str) -> str:
    code, out, err = repo.cli(capsys, *args)
    _no_secret(canary, out, err)
    assert "Traceback" not in err
    assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_plan_apply_converges(variant: str, compat: Callable[..., CompatHandle],
                              tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              canary: str) -> None:
    quirks = VARIANTS[variant]
    server = compat(**quirks)
    prune = "delete" if quirks.get("soft_delete") else "disable"
    repo = new_repo(tmp_path, server, prune=prune)
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY),
                                        status="TESTING"))
    repo.put("ops.yaml", package_doc("Ops Dashboard", ("PTLTAB", DASHBOARD)))
    report = tmp_path / "report.json"

    _ok(repo, capsys, canary, "validate")
    out = _ok(repo, capsys, canary, "plan")
    assert "Plan: 2 to create" in out
    _ok(repo, capsys, canary, "apply", "--auto-approve", "--report", str(report))
    _no_secret(canary, report.read_text())
    assert json.loads(report.read_text())["summary"]["applied"] == 2
    assert "No changes." in _ok(repo, capsys, canary, "plan")

    # Fields that PATCH can change.
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY),
                                        status="ACTIVE", description="Now live."))
    assert "1 to update" in _ok(repo, capsys, canary, "plan")
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    assert "No changes." in _ok(repo, capsys, canary, "plan")

    # Content: a replace (create then disable, or PUT / PATCH re-assembly under 2023).
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY),
                                        ("TMPL", CAMPAIGN), status="ACTIVE",
                                        description="Now live."))
    assert "1 to replace" in _ok(repo, capsys, canary, "plan")
    plan_file = tmp_path / "plan.json"
    _ok(repo, capsys, canary, "plan", "--out", str(plan_file))
    _no_secret(canary, plan_file.read_text())
    _ok(repo, capsys, canary, "apply", str(plan_file))
    assert "No changes." in _ok(repo, capsys, canary, "plan")

    # A package no longer declared is pruned.
    repo.remove("ops.yaml")
    assert f"1 to {'delete' if prune == 'delete' else 'disable'}" in \
        _ok(repo, capsys, canary, "plan")
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    assert "No changes." in _ok(repo, capsys, canary, "plan")

    live = [p for p in server.state.packages.values()
            if p["name"] == "Agency Onboarding" and p["status"] != "DISABLED"]
    assert len(live) == 1 and live[0]["status"] == "ACTIVE"


@pytest.mark.parametrize("list_status", [True, False])
def test_redeclared_with_new_content_after_retirement(list_status: bool,
                                                      compat: Callable[..., CompatHandle],
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      canary: str) -> None:
    """Replaced (old version DISABLED), then pruned (new one DISABLED too), then declared
    again with other content: both retired versions are ours and left alone; a new one is
    made instead of refusing the name as ambiguous."""
    server = compat(list_status=list_status)
    repo = new_repo(tmp_path, server)
    keep = package_doc("Keep Me", ("PTLTAB", DASHBOARD))
    repo.put("keep.yaml", keep)
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY)))
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", CAMPAIGN)))
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    repo.remove("agency.yaml")
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    assert [p["status"] for p in server.state.packages.values()
            if p["name"] == "Agency Onboarding"] == ["DISABLED", "DISABLED"]
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY),
                                        ("TMPL", CAMPAIGN), status="TESTING"))
    assert "1 to create" in _ok(repo, capsys, canary, "plan")
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    assert "No changes." in _ok(repo, capsys, canary, "plan")
    assert sorted(p["status"] for p in server.state.packages.values()
                  if p["name"] == "Agency Onboarding") == ["DISABLED", "DISABLED", "TESTING"]


@pytest.mark.parametrize("list_status", [True, False])
def test_an_unassembled_package_of_ours_is_replaced_not_waited_for(
        list_status: bool, compat: Callable[..., CompatHandle], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], canary: str) -> None:
    """UNASSEMBLED (saved in the UI without assembling) never changes on its own: waiting for
    it would hang apply until the assembly timeout. It is re-made like a failed assembly."""
    server = compat(list_status=list_status)
    repo = new_repo(tmp_path, server)
    repo.put("agency.yaml", package_doc("Agency Onboarding", ("TMPL", AGENCY),
                                        status="TESTING"))
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    (package,) = server.state.packages.values()
    package["status"] = "UNASSEMBLED"
    out = _ok(repo, capsys, canary, "plan")
    assert "1 to replace" in out
    _ok(repo, capsys, canary, "apply", "--auto-approve")
    assert "No changes." in _ok(repo, capsys, canary, "plan")
    assert sorted(p["status"] for p in server.state.packages.values()) == \
        ["DISABLED", "TESTING"]
