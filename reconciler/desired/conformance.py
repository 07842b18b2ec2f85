"""Does a document conform to one of our JSON Schemas? A yes/no answer, compiled once.

Almost every file is valid, and asking jsonschema (and importing it) to say so was the largest
cost of loading many files. This module compiles the schema itself, the same document, into
plain Python checks with Draft 2020-12's meaning for the keywords our schemas use: the answer
is exactly "jsonschema would report no error". Only a document it rejects is handed to
jsonschema, whose errors ``desired.schemas`` turns into the messages users see, unchanged.

A schema using a keyword outside this subset is not compiled (``compile_schema`` raises
``Unsupported``), so every document of it goes to jsonschema: never a wrong "yes".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sized
from typing import Any, cast

Check = Callable[[Any], bool]

# Annotations: they never make a document invalid.
_ANNOTATIONS = frozenset(("$schema", "$id", "$defs", "$comment", "title", "description",
                          "default", "examples", "deprecated", "readOnly", "writeOnly"))


class Unsupported(Exception):
    """The schema uses a keyword (or form of one) these checks do not implement."""


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` with JSON Schema's (ECMA-262) meaning of a final ``$``: the very end."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def compile_schema(schema: dict[str, Any]) -> Check:
    """A function telling whether an instance (plain JSON data) conforms to ``schema``."""
    return _Compiler(schema).compile(schema)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        if not ref.startswith("#/"):
            raise Unsupported(f"$ref {ref}")
        if ref not in self.refs:
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            slot: list[Check] = []
            self.refs[ref] = lambda x: slot[0](x)  # recursion-safe: bound once compiled
            slot.append(self.compile(target))
        return self.refs[ref]

    def compile(self, node: Any) -> Check:
        if node is True:
            return lambda x: True
        if node is False:
            return lambda x: False
        if not isinstance(node, dict):
            raise Unsupported(f"schema {node!r}")
        checks: list[Check] = []
        for key, value in node.items():
            if key in _ANNOTATIONS or key == "properties":
                continue
            if key == "type":
                checks.append(_type(value))
            elif key == "enum":
                checks.append(_enum(value))
            elif key == "pattern":
                checks.append(_pattern(value))
            elif key in _SIZES:
                checks.append(_size(key, value))
            elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                checks.append(_bound(key, value))
            elif key == "required":
                checks.append(_required(tuple(value)))
            elif key == "additionalProperties":
                checks.append(self._object(node))
            elif key == "propertyNames":
                checks.append(_property_names(self.compile(value)))
            elif key == "items":
                if "prefixItems" in node:
                    raise Unsupported("prefixItems")
                checks.append(_items(self.compile(value)))
            elif key == "oneOf":
                checks.append(_one_of(tuple(self.compile(v) for v in value)))
            elif key == "$ref":
                checks.append(self.ref(value))
            else:
                raise Unsupported(key)
        if "properties" in node and "additionalProperties" not in node:
            checks.append(self._object(node))
        return _all(tuple(checks))

    def _object(self, node: dict[str, Any]) -> Check:
        """``properties`` and ``additionalProperties`` of one object schema, in one pass."""
        if "patternProperties" in node:
            raise Unsupported("patternProperties")
        known = {k: self.compile(v) for k, v in node.get("properties", {}).items()}
        extra = node.get("additionalProperties", True)
        other: Check | None = None if extra is False else self.compile(extra)

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for k, v in x.items():
                inner = known.get(k)
                if inner is None:
                    if other is None or not other(v):
                        return False
                elif not inner(v):
                    return False
            return True

        return check


# keyword -> (the type it applies to, True for a lower bound)
_SIZES: dict[str, tuple[type, bool]] = {
    "minLength": (str, True), "maxLength": (str, False), "minItems": (list, True),
    "maxItems": (list, False), "minProperties": (dict, True), "maxProperties": (dict, False)}


def _type(value: str | list[str]) -> Check:
    tests = tuple(_TYPES[n] for n in ([value] if isinstance(value, str) else value))
    if len(tests) == 1:
        return tests[0]
    return lambda x: any(test(x) for test in tests)


def _enum(value: list[Any]) -> Check:
    if not all(isinstance(v, str) for v in value):
        raise Unsupported("enum of non-strings")
    allowed = frozenset(value)
    return lambda x: isinstance(x, str) and x in allowed


def _pattern(value: str) -> Check:
    search = ecma_pattern(value).search
    return lambda x: not isinstance(x, str) or search(x) is not None


def _size(key: str, limit: int) -> Check:
    kind, lower = _SIZES[key]
    if lower:
        return lambda x: not isinstance(x, kind) or len(cast("Sized", x)) >= limit
    return lambda x: not isinstance(x, kind) or len(cast("Sized", x)) <= limit


def _required(names: tuple[str, ...]) -> Check:
    return lambda x: not isinstance(x, dict) or all(k in x for k in names)


def _property_names(inner: Check) -> Check:
    return lambda x: not isinstance(x, dict) or all(inner(k) for k in x)


def _items(inner: Check) -> Check:
    return lambda x: not isinstance(x, list) or all(inner(i) for i in x)


def _one_of(options: tuple[Check, ...]) -> Check:
    return lambda x: sum(1 for option in options if option(x)) == 1


def _bound(key: str, limit: float) -> Check:
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or not math.isfinite(
            limit):
        raise Unsupported(f"{key} {limit!r}")
    # The comparison jsonschema makes, so NaN passes every bound as it does there.
    if key == "minimum":
        return lambda x: not _is_number(x) or not x < limit
    if key == "maximum":
        return lambda x: not _is_number(x) or not x > limit
    if key == "exclusiveMinimum":
        return lambda x: not _is_number(x) or not x <= limit
    return lambda x: not _is_number(x) or not x >= limit


def _all(checks: tuple[Check, ...]) -> Check:
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]

    def check(x: Any) -> bool:
        for c in checks:  # noqa: SIM110 -- a loop, not all(...): no generator per value
            if not c(x):
                return False
        return True

    return check
