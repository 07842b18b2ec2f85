"""The ownership marker: written last, parsed back, stripped before comparing."""

from __future__ import annotations

import pytest

from reconciler.plan.ownership import Marker, parse_marker, strip_marker, with_marker

DIGEST = "ab" * 32


def test_round_trip() -> None:
    text = with_marker("Templates for agencies.", "acme", DIGEST)
    assert text.splitlines()[-1] == f"managed-by: wfpromote owner=acme digest={DIGEST}"
    assert parse_marker(text) == Marker("acme", DIGEST)
    assert strip_marker(text) == "Templates for agencies."


def test_empty_description_is_just_the_marker() -> None:
    assert with_marker("", "acme", DIGEST) == Marker("acme", DIGEST).line()
    assert strip_marker(with_marker(None, "acme", DIGEST)) == ""


def test_tolerates_crlf_trailing_blank_lines_and_upper_case_digest() -> None:
    text = f"Line one\r\nmanaged-by: wfpromote owner=acme digest={DIGEST.upper()}  \r\n\r\n"
    assert parse_marker(text) == Marker("acme", DIGEST)
    assert strip_marker(text) == "Line one"


def test_marker_only_counts_on_the_last_line() -> None:
    text = f"managed-by: wfpromote owner=acme digest={DIGEST}\nsomething else"
    assert parse_marker(text) is None
    assert strip_marker(text) == text


def test_rewriting_replaces_an_old_marker() -> None:
    old = with_marker("text", "acme", "0" * 64)
    new = with_marker(old, "acme", DIGEST)
    assert new.count("managed-by:") == 1 and parse_marker(new) == Marker("acme", DIGEST)


def test_no_marker_and_garbage() -> None:
    for text in (None, "", "null", "managed-by: someone", "managed-by: wfpromote owner=x"):
        assert parse_marker(text) is None


def test_owner_with_newline_is_refused() -> None:
    with pytest.raises(ValueError):
        with_marker("x", "a\nb", DIGEST)
