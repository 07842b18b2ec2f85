"""The JSON Schemas of the files users write, and turning schema errors into clear problems.

The schemas in ``schemas/`` are the source of truth for the file formats. Messages are written
here rather than taken from jsonschema, so they name the key, point at its line and never
quote a value unless asked (a config value could be a secret).

Almost every document is valid, and asking jsonschema to say so was the largest cost of
loading many files: a document is first checked by jsonschema-rs (the same schema, Draft
2020-12, in Rust: yes or no), and only one it does not pass is handed to jsonschema, whose
errors are explained here (docs/performance.md).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from reconciler.errors import ConfigError, Problem
from reconciler.suggest import did_you_mean

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

    from reconciler.desired.sources import Document, KeyPath

SCHEMA_NAMES = ("package", "config", "plan", "status")
Check = Callable[[Any], bool]

# Friendly words for the patterns the schemas use.
_PATTERN_WORDS = {
    "^[0-9a-fA-F]{32}$": "a Workfront ID (32 hexadecimal characters)",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$": "a UUID",
    "^[a-z][a-z0-9_-]*$": "an environment name (lower-case letters, digits, '-' and '_', "
                          "starting with a letter)",
    "^[1-9][0-9]{0,5}[mhd]$": "a duration: minutes, hours or days such as 30m, 4h or 2d",
    "^[A-Z][A-Z0-9_]*$": "an objCode (upper-case letters, digits and '_')",
    "^[A-Za-z_][A-Za-z0-9_]*$": "the name of an environment variable",
    "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$": "an owner marker (letters, digits, '.', '_' and '-', "
                                         "at most 63 characters)",
    "^(?=.*\\S)[^\\u0000-\\u001f\\u007f]*$": "a usable package name (not blank; no line "
                                                  "breaks, tabs or control characters)",
}
_PATTERN_HINTS = {
    "^[0-9a-fA-F]{32}$": "copy the object's ID from its Workfront URL, e.g. "
                         "6419b8b9001151ee258921a4f7597bb2",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$":
        "the package's id as GET /packages lists it, e.g. "
        "3f2b1c4d-0000-4000-8000-00000000abcd",
    "^[a-z][a-z0-9_-]*$": "e.g. sandbox, preview or production",
    "^[A-Z][A-Z0-9_]*$": "e.g. TMPL, PTLSEC or GROUP",
    "^[A-Za-z_][A-Za-z0-9_]*$": "write the variable's name (e.g. WF_SANDBOX_KEY), not its "
                                "value",
    "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$": "e.g. owner: acme-workfront",
    "^(?=.*\\S)[^\\u0000-\\u001f\\u007f]*$": "one line of visible text, e.g. name: Agency "
                                                  "Onboarding",
}
_REQUIRED_HINTS = {
    "name": "e.g. name: Agency Onboarding (at least 5 characters)",
    "source": "name the environment the objects come from, e.g. source: sandbox",
    "owner": "e.g. owner: acme-workfront (marks the packages this repository manages)",
    "environments": "see examples/promotions/wfpromote.yaml",
    "url": "e.g. url: https://acme.my.workfront.com, or url: simulator",
    "kind": "kind: sandbox, preview or production",
    "objCode": "e.g. objCode: TMPL",
    "entities": "e.g. entities: [{ID: <32-hex ID>, name: New Agency Onboarding}]",
    "ID": "the object's 32-character Workfront ID",
    "environment": "name an environment of wfpromote.yaml, e.g. environment: preview",
}
_KEYS_HINTS = {
    "auth": "use exactly one of apikey_env, session_env, bearer_env, oauth or refresh",
    "environments": "declare at least one, e.g. sandbox: {url: simulator, kind: sandbox}",
}
_DIGITS = re.compile(r"[^0-9]")
_WHOLE = re.compile(r"[-+]?[0-9][0-9_]*")
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string",
               "integer": "an integer", "number": "a number", "boolean": "true or false",
               "null": "null"}


def schema_dirs() -> list[Path]:
    """Where schemas live: the repository's schemas/ or, in a wheel, reconciler/_schemas."""
    package = Path(__file__).resolve().parent.parent
    return [package.parent / "schemas", package / "_schemas"]


def schema_path(name: str) -> Path:
    if name not in SCHEMA_NAMES:
        raise ConfigError(f"unknown schema '{name}'", hint="one of: " + ", ".join(SCHEMA_NAMES))
    for folder in schema_dirs():
        candidate = folder / f"{name}.schema.json"
        if candidate.is_file():
            return candidate
    raise ConfigError(f"the {name} schema ({name}.schema.json) is not installed",
                      hint="reinstall wfpromote, or run from a checkout of the repository")


@cache
def _load(name: str) -> str:
    return schema_path(name).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """The schema ``package``, ``config`` or ``plan`` as a fresh dict."""
    data: dict[str, Any] = json.loads(_load(name))
    return data


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator, built once per process (building it is the slow part)."""
    from jsonschema import Draft202012Validator, validators

    strict = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})
    return cast("Draft202012Validator", strict(load_schema(name)))


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """``pattern`` with JSON Schema's (ECMA-262) meaning of a final ``$``: the very end.

    Python's ``$`` also matches before a final newline, so "<32 hex>\\n" passed as a
    Workfront ID and only the model refused it later, with a traceback.
    """
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` with JSON Schema's (ECMA-262) meaning of a final ``$``: the very end."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return ecma_pattern(pattern)


@cache
def conformance(name: str) -> Check | None:
    """A yes/no check of a schema by jsonschema-rs (None where it is not installed).

    "Yes" means jsonschema would report no error. A value jsonschema-rs cannot take (NaN or
    an infinity, which JSON has no words for; a key that is not a string) gets "no", so
    jsonschema decides: the check may send a valid document to jsonschema, never let an
    invalid one pass."""
    try:
        import jsonschema_rs
    except ImportError:  # no wheel for this platform: jsonschema answers every document
        return None
    is_valid = jsonschema_rs.validator_for(load_schema(name)).is_valid

    def check(instance: Any) -> bool:
        try:
            return bool(is_valid(instance))
        except (ValueError, TypeError, OverflowError, RecursionError):
            return False

    return check


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    for word, kind in (("object", dict), ("array", list), ("string", str),
                       ("integer", int), ("number", float)):
        if isinstance(value, kind):
            return word
    return "null"


def _show(value: Any, echo: bool) -> str:
    if echo and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _short(repr(value) if isinstance(value, str) else str(value))
    return "the value"


def _type_hint(wanted: str, value: Any) -> str | None:
    if wanted == "string" and isinstance(value, (int, float)):
        return "put it in quotes: YAML reads it as a number (or true/false)"
    if wanted == "array" and isinstance(value, dict):
        return "write a list: one item per line, each starting with '- '"
    if wanted == "object" and isinstance(value, list):
        return "write a mapping of keys (key: value), not a list ('- ...')"
    if value is None:
        return "give it a value, or leave the key out"
    if wanted in ("string", "integer", "number") and isinstance(value, (list, dict)):
        return "write a single value here, not a list or mapping"
    if wanted in ("integer", "number") and isinstance(value, str) \
            and (digits := len(_DIGITS.sub("", value))) > sys.get_int_max_str_digits() \
            and _WHOLE.fullmatch(value):
        # A whole number too long for Python to read: the YAML reader kept it as text.
        return (f"a number of {digits} digits is too long to read (at most "
                f"{sys.get_int_max_str_digits()}); write a smaller number")
    if wanted in ("integer", "number") and isinstance(value, (str, bool, float)):
        return "write a plain number, without quotes" if wanted == "number" or \
            not isinstance(value, float) else "write a whole number"
    return f"write {_TYPE_WORDS.get(wanted, wanted)} here"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _words(path: KeyPath) -> str:
    """How to name the value at ``path`` in a message."""
    for part in reversed(path):
        if isinstance(part, str):
            return f"'{part}'"
    return "the document" if not path else "this item"


def problems_from_schema(name: str, doc: Document, data: Any | None = None, *,
                         echo: bool = True) -> list[Problem]:
    """Every schema violation in ``doc`` as a located problem. ``echo=False`` hides values.

    jsonschema-rs answers first; only a document it rejects is explained by jsonschema."""
    instance = doc.data if data is None else data
    check = conformance(name)
    if check is not None and check(instance):
        return []  # valid, as almost every document is: jsonschema is not even imported
    found: list[Problem] = []
    for error in validator(name).iter_errors(instance):
        found.extend(_explain(error, doc, echo))
    # jsonschema reports each missing required key separately; each report names them all.
    return list(dict.fromkeys(found))


def _explain(error: ValidationError, doc: Document, echo: bool) -> list[Problem]:
    path: KeyPath = tuple(error.absolute_path)
    kind: Any = error.validator
    expected: Any = error.validator_value
    value: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    where = doc.location(path)
    if "propertyNames" in error.relative_schema_path:  # the key itself is wrong
        words = _PATTERN_WORDS.get(str(expected), "an allowed name")
        shown = f"'{_short(str(value))}'" if echo else "a key"
        return [Problem(f"{shown} is not {words}", doc.location((*path, str(value)), key=True),
                        _PATTERN_HINTS.get(str(expected)))]
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(schema.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        if not allowed:  # a free-form mapping with typed values: a type problem of its items
            return [Problem(error.message if echo else "invalid value", where)]
        return [Problem(f"unknown key '{_short(k)}'", doc.location((*path, k), key=True),
                        did_you_mean(k, allowed, noun="keys")) for k in extra]
    if kind == "required" and isinstance(value, dict):
        return [Problem(f"missing required key '{k}'", where,
                        _REQUIRED_HINTS.get(k, f"add '{k}:' here"))
                for k in expected if k not in value]
    if kind == "type":
        wanted = expected if isinstance(expected, str) else expected[0]
        return [Problem(f"{_words(path)} must be {_TYPE_WORDS.get(wanted, wanted)}, "
                        f"not {_TYPE_WORDS.get(_type_of(value), 'that')}", where,
                        _type_hint(wanted, value))]
    if kind == "enum":
        options = [str(o) for o in expected]
        return [Problem(f"{_show(value, echo)} is not an allowed value for {_words(path)}",
                        where, did_you_mean(str(value), options, noun="values") or
                        f"allowed values: {', '.join(options[:8])}, ... (wfpromote schema "
                        "prints them all)")]
    if kind == "pattern":
        words = _PATTERN_WORDS.get(str(expected), f"the pattern {expected}")
        return [Problem(f"{_show(value, echo)} is not {words}", where,
                        _PATTERN_HINTS.get(str(expected)))]
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        hint = (None if path != ("name",) else
                "the Workfront UI refuses package names shorter than 5 characters"
                if kind == "minLength" else
                "shorten the name: a package name is one line in plans and pull-request "
                "comments (the bound is in docs/file-formats.md)")
        return [Problem(f"{_words(path)} must be {bound} {expected} characters long", where,
                        hint or ("give it a value, or leave the key out" if expected == 1
                                 else None))]
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return [Problem(f"{_words(path)} needs {bound} {expected} item(s)", where,
                        "add an item, or leave the key out" if kind == "minItems" else None)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                 "exclusiveMaximum": "less than"}[kind]
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        span = (f"from {low} to {high}" if low is not None and high is not None else
                f"at least {low}" if low is not None else f"at most {high}")
        return [Problem(f"{_words(path)} must be {words} {expected}", where,
                        f"allowed: {span}")]
    if kind in ("minProperties", "maxProperties"):
        return [Problem(f"{_words(path)} has {len(value)} key(s); "
                        f"{'at least' if kind == 'minProperties' else 'at most'} "
                        f"{expected} allowed", where,
                        _KEYS_HINTS.get(str(path[-1]) if path else "",
                                        "see examples/promotions/wfpromote.yaml"))]
    if kind == "oneOf" and not path and isinstance(value, dict):
        if "objectCollections" in value and "definition" in value:
            return [Problem("declare either 'objectCollections' or 'definition', not both",
                            doc.location(("definition",), key=True),
                            "keep the objects by reference (objectCollections) or by value "
                            "(definition), and remove the other")]
        return [Problem("missing 'objectCollections' (objects by reference) or 'definition' "
                        "(a packageEntities JSON file)", where,
                        "e.g. objectCollections: [{objCode: TMPL, entities: [{ID: <32-hex "
                        "ID>}]}]")]
    return [Problem(error.message if echo else f"invalid value for {_words(path)}", where)]

