"""A saved plan keeps its --target/--exclude globs only in its selection warning: reading
them back gives exactly the selection that writes the same warning, or nothing."""

from __future__ import annotations

import pytest

from reconciler.plan.selection import Selection, parse_warning


@pytest.mark.parametrize(("targets", "excludes"), [
    (("Alpha*",), ()), ((), ("B*",)), (("A*", "Bravo"), ("Bravo",)),
    (("a' and not matching 'b", "x,y"), ('z"q',)), (("é*",), ("*",)),
])
def test_the_selection_is_read_back_from_its_warning(
        targets: tuple[str, ...], excludes: tuple[str, ...]) -> None:
    warning = Selection(targets, excludes).warning()
    assert warning is not None
    assert parse_warning(warning) == (targets, excludes)


@pytest.mark.parametrize("text", [
    "package 'X' failed to assemble",
    "partial plan: only packages matching __import__('os') are considered; every other "
    "package is left as it is",
    "partial plan: only packages matching 'A' 'B' are considered; every other package is "
    "left as it is",
    "partial plan: only packages matching 'A and not matching are considered; every other "
    "package is left as it is",
    "partial plan: only packages matching 1 are considered; every other package is left as "
    "it is",
])
def test_anything_else_is_no_selection(text: str) -> None:
    assert parse_warning(text) is None
