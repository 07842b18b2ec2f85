"""Progress output: live table on a terminal, plain lines elsewhere; saved-plan detection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from apply_fakes import OWNER, create, plan_of

from reconciler.apply.progress import PlainProgress, RichProgress, choose_progress
from reconciler.errors import StalePlan, WfpromoteError
from reconciler.output.saved import plan_to_data, read_saved_plan
from reconciler.redact import register


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal(canary: str) -> None:
    register(canary)
    stream = io.StringIO()
    progress = choose_progress(stream)
    assert isinstance(progress, PlainProgress)
    progress.update(create("Agency Onboarding"), "posted (id 123)")
    progress.update(create("Agency Onboarding"), f"failed: key {canary}")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[create] Agency Onboarding: posted (id 123)"
    assert canary not in stream.getvalue()


def test_live_table_on_a_terminal_but_not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = FakeTerminal()
    progress = choose_progress(stream)
    assert isinstance(progress, RichProgress)
    progress.update(create("Agency Onboarding"), "assembling")
    progress.update(create("Agency Onboarding"), "done")
    progress.close()
    assert "Agency Onboarding" in stream.getvalue()
    monkeypatch.setenv("CI", "true")
    assert isinstance(choose_progress(FakeTerminal()), PlainProgress)


def test_saved_plan_is_detected_by_content(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"name": "Agency Onboarding", "source": "sandbox"}))
    assert read_saved_plan((str(package),)) is None
    assert read_saved_plan((str(tmp_path),)) is None
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(plan_to_data(plan_of(create("Agency Onboarding")))))
    plan = read_saved_plan((str(saved),))
    assert plan is not None and plan.owner == OWNER
    assert [a.name for a in plan.actions] == ["Agency Onboarding"]
    with pytest.raises(WfpromoteError, match="cannot be given together with other paths"):
        read_saved_plan((str(saved), str(package)))
    # by content, not by name: a plan saved as .txt is a plan; a cut one is a broken plan
    renamed = tmp_path / "reviewed.txt"
    renamed.write_text(saved.read_text())
    assert read_saved_plan((str(renamed),)) is not None
    cut = tmp_path / "cut.json"
    cut.write_text(saved.read_text()[:150])
    with pytest.raises(StalePlan) as caught:
        read_saved_plan((str(cut),))
    assert caught.value.message.startswith("not a valid saved plan: broken JSON")
    assert caught.value.location is not None and caught.value.location.line is not None
