"""What the plain-YAML reader and the ruamel path give for one text, in comparable form; shared
by the reader's tests (test_foundation_plainyaml*.py)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.desired import composer, plainyaml
from reconciler.desired.sources import SourceError


def canon(value: Any) -> Any:
    """``value`` with every type spelled out (1, 1.0 and True differ; NaN equals NaN; -0.0
    and 0.0 differ)."""
    if isinstance(value, dict):
        return ("map", [(k, canon(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [canon(v) for v in value])
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    return (type(value).__name__, value)


@contextlib.contextmanager
def pure_parser() -> Iterator[None]:
    """The ruamel path as without the C extension: no C composer, and ruamel's own parser is
    the pure one (with the extension installed, YAML(pure=False) would still use C)."""
    parser = composer._parser
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(composer, "_FAST", [None])
        patch.setattr(composer, "_parser", lambda *, fast: parser(fast=False))
        yield


def by_ruamel(text: str, *, pure: bool = False) -> Any:
    """The ruamel path's answer, [(start line, value)], or ("error", message, location)."""
    with pure_parser() if pure else contextlib.nullcontext():
        try:
            nodes = composer.compose(text, "f.yaml")
            return [(node.start_mark.line + 1,
                     canon(composer.Builder("f.yaml", record=False).build(node, ())))
                    for node in nodes]
        except SourceError as exc:
            return ("error", exc.message, exc.location)


def by_plain(text: str) -> Any:
    """The reader's answer in the same form, or None when it steps aside."""
    plain = plainyaml.read(text)
    return None if plain is None else [(line, canon(data)) for line, data in plain]
