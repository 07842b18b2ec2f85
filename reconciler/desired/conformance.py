"""Does a document conform to one of our JSON Schemas? A yes/no answer, compiled once.

Almost every file is valid, and asking jsonschema (and importing it) to say so was the largest
cost of loading many files. This module compiles the schema itself, the same document, into
plain Python checks with Draft 2020-12's meaning for the keywords our schemas use: the answer
is exactly "jsonschema would report no error". Only a document it rejects is handed to
jsonschema, whose errors ``desired.schemas`` turns into the messages users see, unchanged.

The checks are written as Python source, one function per object or list schema with simple
schemas inlined, and compiled once per process (see ``_Generator``).

A schema using a keyword outside this subset is not compiled (``compile_schema`` raises
``Unsupported``), so every document of it goes to jsonschema: never a wrong "yes".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
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


def compile_schema(schema: dict[str, Any]) -> Check:
    """A function telling whether an instance (plain JSON data) conforms to ``schema``."""
    return _Generator(schema).build()


# JSON Schema type -> the Python test of a value named {v}
_TYPE_TESTS = {"object": "isinstance({v}, dict)", "array": "isinstance({v}, list)",
               "string": "isinstance({v}, str)", "integer": "_is_integer({v})",
               "number": "_is_number({v})", "boolean": "isinstance({v}, bool)",
               "null": "{v} is None"}
# keyword -> the JSON type it applies to (the Python test guarding it)
_APPLIES_TO = {"pattern": "string", "minLength": "string", "maxLength": "string",
               "minItems": "array", "maxItems": "array", "items": "array",
               "minProperties": "object", "maxProperties": "object", "required": "object",
               "propertyNames": "object", "properties": "object",
               "additionalProperties": "object", "minimum": "number", "maximum": "number",
               "exclusiveMinimum": "number", "exclusiveMaximum": "number"}
_BOUND_FAILS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=",
                "exclusiveMaximum": ">="}


class _Generator:
    """Writes the schema as Python functions, one per object, list or ``$ref``'d schema, with
    the checks of simple schemas (a string's type, enum, pattern, lengths ...) written inline,
    and runs that source once. A keyword whose type the schema already fixed is not guarded
    again (``"type": "string"`` then ``minLength``: no second isinstance); a keyword for another
    type than the fixed one can never fail and is left out, as jsonschema ignores it.

    The source is made only from our own schema files: names and literals are written with
    ``repr``, patterns and enums are passed as objects, never as text."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.names: dict[int, str] = {}
        self.kept: list[Any] = []  # the nodes named above, alive so their ids stay unique
        self.sources: list[str] = []
        self.env: dict[str, Any] = {"_is_integer": _is_integer, "_is_number": _is_number}

    def build(self) -> Check:
        entry = self.function(self.root)
        exec(compile("\n\n".join(self.sources), "<schema check>", "exec"), self.env)
        return cast("Check", self.env[entry])

    def const(self, value: Any) -> str:
        name = f"_c{len(self.env)}"
        self.env[name] = value
        return name

    def function(self, node: Any) -> str:
        """The name of a function checking ``node`` (written once per node)."""
        name = self.names.get(id(node))
        if name is None:
            name = self.names[id(node)] = f"_f{len(self.names)}"
            self.kept.append(node)
            lines = [f"def {name}(x):"]
            conditions, statements = self.parts(node, "x")
            lines += [f"    if not ({c}): return False" for c in conditions]
            lines += ["    " + line for line in statements]
            lines.append("    return True")
            self.sources.append("\n".join(lines))
        return name

    def ref(self, ref: str) -> str:
        if not ref.startswith("#/"):
            raise Unsupported(f"$ref {ref}")
        target: Any = self.root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return self.function(target)

    def expr(self, node: Any, v: str) -> str:
        """A Python expression: does the value named ``v`` conform to ``node``?"""
        if isinstance(node, dict) and not _LOOPS.isdisjoint(node):
            return f"{self.function(node)}({v})"  # loops are statements: a function of x
        conditions, _ = self.parts(node, v)
        return " and ".join(f"({c})" for c in conditions) or "True"

    def parts(self, node: Any, v: str) -> tuple[list[str], list[str]]:
        """(conditions on ``v``, statements on ``x`` that return False) checking ``node``."""
        if node is True:
            return [], []
        if node is False:
            return ["False"], []
        if not isinstance(node, dict):
            raise Unsupported(f"schema {node!r}")
        for key in node:
            if key not in _ANNOTATIONS and key not in _KNOWN:
                raise Unsupported(key)
        if "items" in node and "prefixItems" in node:
            raise Unsupported("prefixItems")
        if ("properties" in node or "additionalProperties" in node) and \
                "patternProperties" in node:
            raise Unsupported("patternProperties")
        conditions: list[str] = []
        statements: list[str] = []
        kind = node.get("type")
        if isinstance(kind, list) and len(kind) == 1:
            kind = kind[0]
        if kind is not None:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            tests = [_TYPE_TESTS[k].format(v=v) for k in kinds]
            conditions.append(tests[0] if len(tests) == 1 else " or ".join(tests))
        fixed = kind if isinstance(kind, str) else None

        def guarded(keyword: str, condition: str) -> None:
            """``condition`` where it applies: always, never, or behind a type test."""
            applies = _APPLIES_TO[keyword]
            if fixed is not None:
                same = fixed == applies or (applies == "number" and fixed == "integer")
                if same:
                    conditions.append(condition)
                return  # a keyword for another type than the fixed one never fails
            conditions.append(f"not {_TYPE_TESTS[applies].format(v=v)} or ({condition})")

        for key, value in node.items():
            if key == "enum":
                if not all(isinstance(e, str) for e in value):
                    raise Unsupported("enum of non-strings")
                allowed = self.const(frozenset(value))
                conditions.append(f"{v} in {allowed}" if fixed == "string" else
                                  f"isinstance({v}, str) and {v} in {allowed}")
            elif key == "pattern":
                search = self.const(ecma_pattern(value).search)
                guarded(key, f"{search}({v}) is not None")
            elif key in _SIZES:
                guarded(key, f"len({v}) {'>=' if _SIZES[key] else '<='} {int(value)!r}")
            elif key in _BOUND_FAILS:
                if not isinstance(value, (int, float)) or isinstance(value, bool) or \
                        not math.isfinite(value):
                    raise Unsupported(f"{key} {value!r}")
                # The comparison jsonschema makes, so NaN passes every bound as it does there.
                guarded(key, f"not {v} {_BOUND_FAILS[key]} {value!r}")
            elif key == "required":
                names = " and ".join(f"{n!r} in {v}" for n in value) or "True"
                guarded(key, names)
            elif key == "propertyNames":
                statements += self.each(self.expr(value, "k"), "for k in x:", fixed, "object")
            elif key == "items":
                statements += self.each(self.expr(value, "i"), "for i in x:", fixed, "array")
            elif key == "oneOf":
                options = [self.expr(option, v) for option in value]
                conditions.append(" + ".join(f"({o})" for o in options) + " == 1")
            elif key == "$ref":
                conditions.append(f"{self.ref(value)}({v})")
        if ("properties" in node or "additionalProperties" in node) and \
                fixed in (None, "object"):
            loop = self.object_loop(node)
            if loop:
                if fixed is None:
                    loop = ["if isinstance(x, dict):", *("    " + line for line in loop)]
                statements += loop
        return conditions, statements

    @staticmethod
    def each(condition: str, loop: str, fixed: str | None, applies: str) -> list[str]:
        """Lines checking ``condition`` for each key or item of x (if x is of that type)."""
        if condition == "True" or fixed not in (None, applies):
            return []
        lines = [loop, f"    if not ({condition}): return False"]
        if fixed is None:
            lines = [f"if {_TYPE_TESTS[applies].format(v='x')}:", *("    " + ln for ln in lines)]
        return lines

    def object_loop(self, node: dict[str, Any]) -> list[str]:
        """``properties`` and ``additionalProperties`` of one object schema, in one pass."""
        known = {k: self.expr(sub, "v") for k, sub in node.get("properties", {}).items()}
        extra = node.get("additionalProperties", True)
        other = "False" if extra is False else self.expr(extra, "v")
        if not known:
            if other == "True":
                return []
            return ["for v in x.values():", f"    if not ({other}): return False"]
        lines = ["for k, v in x.items():"]
        for index, (key, condition) in enumerate(known.items()):
            lines.append(f"    {'if' if index == 0 else 'elif'} k == {key!r}:")
            lines.append("        pass" if condition == "True" else
                         f"        if not ({condition}): return False")
        lines.append("    else:")
        lines.append("        pass" if other == "True" else
                     "        return False" if other == "False" else
                     f"        if not ({other}): return False")
        return lines


_LOOPS = frozenset(("properties", "additionalProperties", "propertyNames", "items"))
_KNOWN = frozenset(("type", "enum", "pattern", "minLength", "maxLength", "minItems",
                    "maxItems", "minProperties", "maxProperties", "minimum", "maximum",
                    "exclusiveMinimum", "exclusiveMaximum", "required", "properties",
                    "additionalProperties", "propertyNames", "items", "oneOf", "$ref"))
# size keyword -> True for a lower bound
_SIZES = {"minLength": True, "maxLength": False, "minItems": True, "maxItems": False,
          "minProperties": True, "maxProperties": False}
