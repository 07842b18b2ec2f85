"""Names and errors from the server cannot move the cursor or fake lines in the report."""

from __future__ import annotations

from reconciler.apply.report import ActionResult, ApplyReport, Outcome
from reconciler.plan.changes import Disable, RemoteState
from reconciler.plan.model import Action, Reason


def test_report_cells_show_control_characters_as_escapes() -> None:
    action = Action(name="Evil\x1b[2JName\nApply: 9 applied", reason=Reason.NOT_DECLARED,
                    change=Disable(RemoteState("p-1", "Evil")), package_id="p-1")
    report = ApplyReport([ActionResult(action, Outcome.FAILED, package_id="p-1",
                                       error="boom\r\nfake line", hint="try\x07again")])
    text = report.render_text()
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "Evil\\x1b[2JName\\x0aApply: 9 applied" in text
    assert "boom\\x0d\\x0afake line" in text
    assert text.count("\n") == 5  # header, one row, blank, summary, hint: nothing injected
