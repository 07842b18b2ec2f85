"""Values, positions and limits of YAML read by ruamel (``composer``), through ``sources``.

Every file is composed by ruamel and built into plain values by ``composer.Builder``. Its
scalars are held to ruamel's own constructor (YAML 1.2 as ruamel resolves it, timestamps kept
as the text written).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import sources

K = "k" * 1025


def value_of(text: str) -> Any:
    (doc,) = sources.parse_yaml(f"a: {text}\n", "f.yaml")
    return doc.data["a"]


def ruamel_value(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(f"a: {text}\n")["a"]


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return type(ours) is type(theirs) and ours == theirs


@pytest.mark.parametrize(("text", "expected"), [
    ("+0b11", 3), ("-0b11", -3), ("0b101", 5), ("+0o17", 15), ("-0x1f", -31), ("1_000", 1000),
    (".5e3", ".5e3"), (".5e+3", 500.0), ("017", 17), ("0O17", "0O17"), ("2024-01-01", "2024-01-01"),
])
def test_scalars_read_as_ruamel_reads_them(text: str, expected: Any) -> None:
    """``+0b11`` is the integer 3, as ruamel's constructor has it (it was the string '+0b11')."""
    assert same(value_of(text), expected)


NUMBERISH = ["0", "1", "7", "9", "_", "0x", "0o", "0b", "0X", "0O", "e", "E", "+", "-", ".",
             "inf", "Inf", "nan", "NaN", "null", "~", "true", "False", "f", "a", ":"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(NUMBERISH), min_size=1, max_size=6).map("".join))
def test_scalars_agree_with_ruamels_constructor(text: str) -> None:
    try:
        theirs = ruamel_value(text)
    except Exception:  # ruamel's constructor fails on a few ('+_'); we keep the text
        return
    if isinstance(theirs, (datetime.date, datetime.datetime)):
        theirs = text  # timestamps are kept as written
    try:
        ours = value_of(text)
    except sources.SourceError:  # refused with a message (e.g. a ':' YAML does not allow)
        return
    assert same(ours, theirs), (text, ours, theirs)


def test_documents_keep_positions_from_ruamel() -> None:
    """A document read by the plain reader still finds its positions (by composing again)."""
    (doc,) = sources.parse_yaml("a:\n  b: [1, {c: x}]\n", "f.yaml")
    assert doc.positions.values[("a", "b", 1, "c")] == (2, 14)
    assert doc.positions.keys[("a", "b")] == (2, 3)


def test_long_flow_mapping_key_is_reported_by_parse_yaml() -> None:
    """What the discrepancy does to a user: the file is read without complaint, and the syntax
    error only surfaces later, from whatever asks for a position (Document.positions)."""
    text = "name: x\nsource: sandbox\nextra: {" + K + ": v}\n"
    with pytest.raises(sources.SourceError, match="YAML syntax error"):
        sources.parse_yaml(text, "f.yaml")
