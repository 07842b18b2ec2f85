"""Soak gates, pure (issue 22 part 2): durations, the service's times read without
datetime, and the planner blocking an install until the earlier environment has held the
same version long enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plan_factories import remote_of
from pydantic import ValidationError
from test_plan_installs import inst, installs, with_installs

from reconciler.domain.declared import InstallStep, duration_seconds
from reconciler.plan.soak import duration_text, epoch_seconds, left_text, soak_gate, soak_left

AT = "2026-01-01T00:00:00.000Z"
T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1_800), ("4h", 14_400),
                                               ("2d", 172_800), ("1m", 60)])
def test_durations(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["0m", "4", "4 h", "4H", "1w", "-1h", "1.5h", ""])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        duration_seconds(text)


def test_after_items_split_into_names_and_soaks() -> None:
    step = InstallStep.model_validate(
        {"environment": "production",
         "after": ["sandbox", {"environment": "preview", "soak": "4h"}]})
    assert step.after == ("sandbox", "preview") and step.soaks == {"preview": 14_400}
    assert "soaks" not in step.model_dump()
    with pytest.raises(ValidationError):
        InstallStep.model_validate({"environment": "production",
                                    "after": [{"environment": "preview", "soak": "4 hours"}]})


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_times_are_read_as_datetime_reads_them(when: datetime, offset_minutes: int) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    moment = when.replace(tzinfo=zone)
    text = moment.isoformat(timespec="milliseconds")
    expected = moment.timestamp()
    assert epoch_seconds(text) == pytest.approx(expected, abs=1e-3)
    assert epoch_seconds(text.replace("+00:00", "Z")) == pytest.approx(expected, abs=1e-3)
    compact = text[:-3] + text[-2:]          # +0100, as some services write it
    assert epoch_seconds(compact) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("text", [None, "", "yesterday", "2026-13-01T00:00:00Z",
                                  "2026-01-01"])
def test_unreadable_times(text: str | None) -> None:
    assert epoch_seconds(text) is None


@pytest.mark.parametrize(("seconds", "text"), [(0, "less than a minute"), (59, "1m"),
                                               (3 * 3_600 + 1_200, "3h 20m"), (14_400, "4h"),
                                               (2 * 86_400 + 4 * 3_600 + 5, "2d 5h")])
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_the_gate_says_why_and_how_long() -> None:
    assert soak_gate("preview", 14_400, "done", AT, T0 + 14_400) is None
    # the words stay the same while the soak runs: a saved plan binds an hour later too
    assert soak_gate("preview", 14_400, "done", AT, T0 + 2_400) == \
        soak_gate("preview", 14_400, "done", AT, T0 + 14_399) == \
        f"soaking in preview: 4h from its install there at {AT}"
    assert soak_left(14_400, AT, T0 + 2_400) == 12_000
    assert left_text("preview", 14_400, 12_000) == "soaking in preview: 3h 20m left of 4h"
    assert "starts when this run's install there succeeds" in \
        soak_gate("preview", 14_400, "planned", None, T0)  # type: ignore[operator]
    assert "is not known" in soak_gate("preview", 60, "done", None, T0)  # type: ignore[operator]
    assert "is not known" in soak_gate("preview", 60, "done", AT, None)  # type: ignore[operator]


def soaked() -> object:
    return with_installs("ACTIVE", {"environment": "preview"},
                         {"environment": "production",
                          "after": [{"environment": "preview", "soak": "4h"}]})


def test_the_planner_blocks_until_the_soak_is_over() -> None:
    desired = soaked()
    pid = remote_of(desired).id  # type: ignore[arg-type]
    history = [inst("acme.preview.workfront.com", "INSTALLED", pid, at=AT)]
    early = installs(desired, history, now=T0 + 3_600)  # type: ignore[arg-type]
    assert set(early) == {"production"}
    assert early["production"].blocked == f"soaking in preview: 4h from its install there at {AT}"
    due = installs(desired, history, now=T0 + 4 * 3_600)  # type: ignore[arg-type]
    assert due["production"].blocked is None and due["production"].runnable
    unknown = installs(desired, history)  # type: ignore[arg-type]
    assert "is not known" in (unknown["production"].blocked or "")


def test_a_fresh_install_starts_the_soak_and_other_gates_come_first() -> None:
    desired = soaked()
    planned = installs(desired, [], now=T0)  # type: ignore[arg-type]
    assert planned["preview"].runnable
    assert "the 4h soak starts when this run's install there succeeds" in \
        (planned["production"].blocked or "")
    testing = with_installs("TESTING", {"environment": "preview"},
                            {"environment": "production",
                             "after": [{"environment": "preview", "soak": "4h"}]})
    pid = remote_of(testing).id
    blocked = installs(testing, [inst("acme.preview.workfront.com", "INSTALLED", pid, at=AT)],
                       now=T0)
    assert (blocked["production"].blocked or "").startswith("a TESTING package")


def test_an_earlier_version_in_preview_does_not_count_towards_the_soak() -> None:
    desired = soaked()
    pid = remote_of(desired).id  # type: ignore[arg-type]
    old = inst("acme.preview.workfront.com", "INSTALLED", pid, version=0, at=AT)
    planned = installs(desired, [old], now=T0 + 30 * 86_400)  # type: ignore[arg-type]
    assert planned["preview"].runnable
    assert "starts when this run's install" in (planned["production"].blocked or "")
