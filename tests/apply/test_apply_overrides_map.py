"""Install overrides are put into a copy of the pre-run's translation map."""

from __future__ import annotations

from reconciler.apply.steps import with_overrides
from reconciler.domain.remote import TranslationEntry

GROUP = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_overrides_change_listed_records_and_leave_the_pre_run_untouched() -> None:
    prepared = {"GROUP": {GROUP: TranslationEntry(name="Default Group", action="CREATE")}}
    sent = with_overrides(prepared, {"GROUP": {GROUP: "USEEXISTING", "f" * 32: "OVERWRITING"},
                                     "TMPL": {"e" * 32: "CREATE"}})
    assert sent["GROUP"][GROUP].action == "USEEXISTING"
    assert set(sent["GROUP"]) == {GROUP} and "TMPL" not in sent
    assert prepared["GROUP"][GROUP].action == "CREATE"
