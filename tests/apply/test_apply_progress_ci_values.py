"""Progress and the simulator guard agree on what counts as CI (reconciler.console.in_ci)."""

from __future__ import annotations

import io

import pytest

from reconciler.apply.progress import PlainProgress, RichProgress, choose_progress
from reconciler.console import in_ci


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("value", ["false", "0", "no", "OFF", " "])
def test_an_explicit_no_is_a_local_run_with_live_progress(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert not in_ci()
    progress = choose_progress(FakeTerminal())
    assert isinstance(progress, RichProgress)
    progress.close()


@pytest.mark.parametrize("value", ["true", "1", "woodpecker"])
def test_any_other_value_is_ci_with_plain_progress(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() and in_ci({"CI": value})
    assert isinstance(choose_progress(FakeTerminal()), PlainProgress)
