"""The small text rules of the planning core: normalised values, the ownership marker, the
selection warning and the safety messages, each pinned to its exact result."""

from __future__ import annotations

import pytest
from plan_factories import OWNER, settings

from reconciler.plan import canonical
from reconciler.plan.changes import Disable, RemoteState
from reconciler.plan.model import Action, Reason
from reconciler.plan.ownership import Marker, parse_marker, strip_marker, with_marker
from reconciler.plan.safety import check_not_empty, check_threshold
from reconciler.plan.selection import Selection

DIGEST = "ab" * 32
MARKER = f"managed-by: wfpromote owner={OWNER} digest={DIGEST}"


# --- canonical values ------------------------------------------------------------------------


def test_description_trims_trailing_spaces_per_line_and_keeps_indentation() -> None:
    assert canonical.description("first  \n  indented  \r\nlast\t\n\n") == \
        "first\n  indented\nlast"


@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), ("", None), ("  ", None), ("null", None),
    ("ASSEMBLING", "DRAFT"), ("extracting", "DRAFT"),   # on its way to DRAFT
    ("retired", "DISABLED"), (" active ", "ACTIVE"),
])
def test_status(raw: str | None, expected: str | None) -> None:
    assert canonical.status(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    (" HTTPS://Acme.SB01.Workfront.com/ ", "https://acme.sb01.workfront.com"),
    ("https://Acme.Workfront.com/Some/Path/", "https://acme.workfront.com/Some/Path"),
    ("https://Acme.Workfront.com/Go?to=HTTP://Other", "https://acme.workfront.com/Go?to=HTTP://Other"),
    ("https://acme.workfront.com/TAX", "https://acme.workfront.com/TAX"),
    ("Acme.Workfront.com/", "acme.workfront.com"),
    (None, ""),
])
def test_url(raw: str | None, expected: str) -> None:
    assert canonical.url(raw) == expected


def test_entity_ids_whatever_the_key_casing() -> None:
    records = [{"ID": "ABC", "id": "ignored"}, {"id": " Def "}, {"name": "no id"}, "junk"]
    assert canonical.entity_ids(records) == {"abc", "def"}
    assert canonical.entity_ids(None) == set()


# --- the ownership marker --------------------------------------------------------------------


def test_marker_survives_a_service_that_joins_lines_with_spaces() -> None:
    one_line = f"Templates for agencies.  {MARKER}"
    assert parse_marker(one_line) == Marker(OWNER, DIGEST)
    assert strip_marker(one_line) == "Templates for agencies."
    assert strip_marker(f"First\nSecond\nThird {MARKER}  ") == "First\nSecond\nThird"


def test_marker_line_endings_are_unified() -> None:
    assert strip_marker(f"one\r\ntwo\r\n\r\n{MARKER}\r\n") == "one\ntwo"
    assert strip_marker(f"one\rtwo\r\r{MARKER}") == "one\ntwo"
    assert parse_marker(f"text\r{MARKER}\r") == Marker(OWNER, DIGEST)


def test_marker_of_an_owner_with_a_space_round_trips() -> None:
    text = with_marker("Hello", "web team", DIGEST.upper())
    assert text == f"Hello\n\nmanaged-by: wfpromote owner=web team digest={DIGEST}"
    assert parse_marker(text) == Marker("web team", DIGEST)
    assert with_marker("", "XRAY", DIGEST).endswith("owner=XRAY digest=" + DIGEST)


def test_marker_refuses_an_owner_it_cannot_write() -> None:
    for owner in ("", "  ", "two\nlines", "cr\rhere"):
        with pytest.raises(ValueError) as info:
            with_marker("x", owner, DIGEST)
        assert str(info.value) == f"owner {owner!r} cannot be written into a marker"


# --- selection -------------------------------------------------------------------------------


def test_selection_warning_names_every_glob() -> None:
    selection = Selection(("Agency*", "Risk*"), ("*Old", "*Test"))
    assert selection.warning() == (
        "partial plan: only packages matching 'Agency*', 'Risk*' and not matching "
        "'*Old', '*Test' are considered; every other package is left as it is")
    assert Selection(excludes=("X",)).warning() == (
        "partial plan: only packages not matching 'X' are considered; every other package is "
        "left as it is")


# --- safety ----------------------------------------------------------------------------------


def test_the_empty_set_verdict_in_full() -> None:
    verdict = check_not_empty(0, 4, settings())
    assert verdict is not None and verdict.data() == {
        "status": "refused", "rule": "empty", "flag": "--allow-empty", "affected": 4,
        "managed": 4, "limit_percent": None,
        "message": f"no packages are declared; the plan removes all 4 package(s) owned by "
                   f"'{OWNER}' (check the `packages:` path in wfpromote.yaml)"}
    first_run = check_not_empty(0, 0, settings(allow_empty=True))
    assert first_run is not None and first_run.allowed
    assert first_run.message == (f"no packages are declared; no package is owned by '{OWNER}' "
                                 "yet (check the `packages:` path in wfpromote.yaml)")
    assert check_not_empty(1, 4, settings()) is None


def _disables(count: int) -> list[Action]:
    return [Action(name=f"P{n}", reason=Reason.NOT_DECLARED, package_id=f"id-{n}",
                   change=Disable(RemoteState(f"id-{n}", f"P{n}", status="ACTIVE")))
            for n in range(count)]


def test_the_threshold_verdict_in_full() -> None:
    verdict = check_threshold(_disables(5), 10, settings(force=True))
    assert verdict is not None and verdict.data() == {
        "status": "allowed", "rule": "threshold", "flag": "--force", "affected": 5,
        "managed": 10, "limit_percent": 30.0,
        "message": "the plan disables, deletes or replaces 5 of 10 managed packages (50.0%), "
                   "more than the limit of 30% (safety.max_change_percent)"}


def test_the_small_set_verdict_in_full() -> None:
    verdict = check_threshold(_disables(3), 4, settings())
    assert verdict is not None and verdict.data() == {
        "status": "refused", "rule": "majority", "flag": "--force", "affected": 3,
        "managed": 4, "limit_percent": 50.0,
        "message": "the plan disables or deletes 3 of the 4 managed packages (75.0%), more "
                   "than 50% (safety.small_set_percent, for fewer than 10 managed packages)"}
    assert check_threshold(_disables(3), 0, settings()) is None
