"""Soak gates (``after: [{environment: preview, soak: 4h}]``): how long an earlier
environment has held the same version, and how to say the time left.

Pure: the time now comes in as a value (``PlanSettings.now``, seconds since the epoch, from
the run's clock); the installation's time is its ISO 8601 text as the service wrote it,
read here by arithmetic because the planning core may not import ``datetime``.
"""

from __future__ import annotations

import re

SOAK_WORD = "soaking"       # a blocked reason starting with it: only a soak is not over yet

def only_soaking(blocked: str | None) -> bool:
    """A blocked reason that says only a soak is not over yet."""
    return blocked is not None and blocked.startswith(SOAK_WORD)


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
                  r"(Z|[+-]\d{2}:?\d{2})?$")


def epoch_seconds(text: str | None) -> float | None:
    """``2026-12-06T02:13:53.025Z`` (or ``+01:00``, ``+0100``, no zone: UTC) as seconds since
    the epoch; None when it is not such a time."""
    match = _ISO.match(text.strip()) if text else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    fraction = float("0." + match.group(7)) if match.group(7) else 0.0
    zone = match.group(8) or "Z"
    offset = 0
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 60 + int(digits[2:])) * 60 * (1 if zone[0] == "+" else -1)
    return (_days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second
            + fraction - offset)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def duration_text(seconds: float) -> str:
    """``3h 20m``, ``2d 5h``, ``45m``, ``less than a minute``: rounded up (to the minute, or
    to the hour from a day on), so the time left is never said to be shorter than it is."""
    minutes = int(-(-seconds // 60))
    if minutes <= 0:
        return "less than a minute"
    if minutes >= 1_440:
        days, hours = divmod(-(-minutes // 60), 24)
        return f"{days}d {hours}h" if hours else f"{days}d"
    hours, mins = divmod(minutes, 60)
    return " ".join(p for p in (f"{hours}h" if hours else "", f"{mins}m" if mins else "") if p)


def soak_left(soak: int, held_since: str | None, now: float | None) -> float | None:
    """Seconds of the soak still to go (0 or less: over); None when a time is not known."""
    since = epoch_seconds(held_since)
    if now is None or since is None:
        return None
    return soak - (now - since)


def soak_gate(gate: str, soak: int, state: str, held_since: str | None,
              now: float | None) -> str | None:
    """Why the soak of ``gate`` is not over (None: it is). ``state`` is the gate's install
    state in this plan ("done", "planned", ...); ``held_since`` when its install ended.

    The words do not change while the soak runs (they name when it started, not the time
    left), so a saved plan made an hour ago is the plan made again now, as apply checks;
    ``status`` says the time left (:func:`left_text`)."""
    need = duration_text(soak)
    if state == "planned":
        return (f"{SOAK_WORD} in {gate}: the {need} soak starts when this run's install "
                f"there succeeds")
    left = soak_left(soak, held_since, now)
    if left is None:
        return (f"{SOAK_WORD} in {gate}: when its install ended is not known, so the {need} "
                "soak cannot be judged")
    if left > 0:
        return f"{SOAK_WORD} in {gate}: {need} from its install there at {held_since}"
    return None


def left_text(gate: str, soak: int, left: float) -> str:
    """``soaking in preview: 3h 20m left of 4h``."""
    return f"{SOAK_WORD} in {gate}: {duration_text(left)} left of {duration_text(soak)}"
