"""Raising `revision:` re-assembles a package deliberately: planned as a replace whose reason
reads "revision 3 -> 4", applied through the apply engine, then the next plan is empty; in
both profiles, by reference and (under 2023, through the strict full PUT) by value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from apply_sim import new_repo, package_doc, sid

from reconciler.cli import run
from reconciler.clock import FakeClock


def plan_json(repo: Any, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    code = run(["--config", str(repo.config_path), "plan", "--out", "plan.json"],
               clock=FakeClock())
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads((repo.root / "plan.json").read_text()), out


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_raised_revision_replaces_then_converges(profile: str, sim_server: Any,
                                                  tmp_path: Path, monkeypatch: Any,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    repo = new_repo(tmp_path, sim_server(profile=profile))
    doc = {**package_doc("Agency Templates", "New Agency Onboarding"), "revision": 3}
    repo.put("templates.json", doc)
    assert repo.apply()[0] == 0
    (first,) = repo.live("Agency Templates")

    repo.put("templates.json", {**doc, "revision": 4})
    data, text = plan_json(repo, capsys)
    (action,) = [a for a in data["actions"] if a["action"] != "no-op"]
    assert (action["action"], action["reason"]) == ("replace", "revision_raised")
    assert {"path": "revision", "op": "change", "old": 3, "new": 4} in action["diffs"]
    assert "replace (revision 3 -> 4" in text
    assert not [d for d in action["diffs"] if d["path"].startswith("objects.")]  # same objects

    code, out, err = repo.apply()
    assert code == 0, out + err
    live = [p for p in repo.live("Agency Templates") if p.status != "DISABLED"]
    assert len(live) == 1
    # A new package under both profiles, the old one disabled once the new one is usable
    # (in place under 2023, a failed re-assembly would leave no usable version).
    assert live[0].id != first.id
    assert [p.status for p in repo.live("Agency Templates") if p.id == first.id] == \
        ["DISABLED"]
    data, text = plan_json(repo, capsys)
    assert all(a["action"] == "no-op" for a in data["actions"]), text


def test_raised_revision_of_a_definition_uses_the_full_put(
        sim_server: Any, tmp_path: Path, monkeypatch: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    handle = sim_server(profile="2023")
    repo = new_repo(tmp_path, handle)
    form = {"CTGY": [{"id": sid("CTGY", "Campaign Brief Form"), "name": "Campaign Brief Form"}]}
    (tmp_path / "promotions").mkdir()
    (tmp_path / "promotions" / "brief.definition.json").write_text(json.dumps(form))
    doc = {"name": "Campaign Brief", "source": "sandbox", "status": "TESTING",
           "definition": "brief.definition.json", "revision": 1}
    repo.put("brief.json", doc)
    assert repo.apply()[0] == 0
    (first,) = repo.live("Campaign Brief")

    repo.put("brief.json", {**doc, "revision": 2})
    data, text = plan_json(repo, capsys)
    (action,) = [a for a in data["actions"] if a["action"] != "no-op"]
    assert (action["reason"], action["strategy"]) == ("revision_raised", "put")
    assert "revision 1 -> 2" in text
    code, out, err = repo.apply()   # the strict simulator refuses a PUT lacking a field
    assert code == 0, out + err
    (after,) = repo.live("Campaign Brief")
    assert after.id == first.id and after.status == "TESTING"
    data, text = plan_json(repo, capsys)
    assert all(a["action"] == "no-op" for a in data["actions"]), text
