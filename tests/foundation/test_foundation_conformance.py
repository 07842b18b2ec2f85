"""The fast yes/no check (jsonschema-rs) says "valid" exactly when jsonschema reports no error.

It decides whether jsonschema is asked at all, so a wrong "yes" would let a bad document
through without its message. Compared on the examples, on every bad-input corpus document and
on many generated documents built from the schemas' own vocabulary. Where jsonschema-rs cannot
take a value (NaN, an infinity) the check says "no" and jsonschema decides.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired.schemas import SCHEMA_NAMES, conformance, load_schema, validator
from reconciler.desired.sources import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
HEX = "ffa0f8d27e87c5ba0010aeee529de4a4"
UUID = "3f2b1c4d-0000-4000-8000-00000000abcd"


def _jsonschema_says_valid(name: str, instance: Any) -> bool:
    return next(iter(validator(name).iter_errors(instance)), None) is None


def _not_finite(instance: Any) -> bool:
    """Holds NaN or an infinity (which JSON cannot write, and jsonschema-rs cannot take)."""
    if isinstance(instance, float):
        return instance != instance or instance in (float("inf"), float("-inf"))
    if isinstance(instance, dict):
        return any(map(_not_finite, instance.values()))
    if isinstance(instance, list):
        return any(map(_not_finite, instance))
    return False


def _agrees(check: Any, valid: bool, instance: Any) -> None:
    """The check's "yes" is jsonschema's; its "no" too, but for values it cannot take."""
    if _not_finite(instance):
        assert not check(instance) or valid, instance
    else:
        assert check(instance) == valid, instance


def _vocabulary(schema: Any) -> tuple[set[str], set[Any]]:
    """Every property name and every enum value the schema mentions."""
    keys: set[str] = set()
    values: set[Any] = set()
    if isinstance(schema, dict):
        keys.update(schema.get("properties", {}))
        values.update(v for v in schema.get("enum", []) if isinstance(v, str))
        for child in schema.values():
            k, v = _vocabulary(child)
            keys |= k
            values |= v
    elif isinstance(schema, list):
        for child in schema:
            k, v = _vocabulary(child)
            keys |= k
            values |= v
    return keys, values


def _documents(name: str) -> st.SearchStrategy[Any]:
    keys, words = _vocabulary(load_schema(name))
    scalars = st.one_of(
        st.sampled_from([*sorted(words), HEX, HEX + "\n", HEX.upper(), UUID, "sandbox",
                         "Sandbox", "x", "", "  ", "Agency\tOnboarding", "Agency Onboarding",
                         "WF_KEY", "https://a.example", "simulator", "acme-workfront", "TTSK",
                         "2023"]),
        st.integers(-2, 100), st.sampled_from([0.0, 1.0, 1.5, -0.5, 30.0, 100.5,
                                               float("nan"), float("inf")]),
        st.booleans(), st.none())
    key = st.sampled_from([*sorted(keys), HEX, "TTSK", "Bad Key", "UPPER", "sandbox"])
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(key, inner, max_size=6)), max_leaves=25)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_has_a_fast_check(name: str) -> None:
    assert conformance(name) is not None


@pytest.mark.parametrize("name", ["package", "config"])
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_same_verdict_as_jsonschema_on_generated_documents(name: str, data: Any) -> None:
    check = conformance(name)
    assert check is not None
    instance = data.draw(st.one_of(_documents(name), _near_valid(name)))
    _agrees(check, _jsonschema_says_valid(name, instance), instance)


def _near_valid(name: str) -> st.SearchStrategy[Any]:
    """A valid document with one value replaced: most bugs hide next to valid input."""
    base = _VALID[name]
    keys, _ = _vocabulary(load_schema(name))

    @st.composite
    def mutate(draw: st.DrawFn) -> Any:
        doc = json.loads(json.dumps(base))
        paths = list(_paths(doc, ()))
        path = draw(st.sampled_from(paths))
        target = doc
        for part in path[:-1]:
            target = target[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        value = draw(_documents(name))
        if action == "delete" and isinstance(target, dict):
            del target[path[-1]]
        elif action == "add" and isinstance(target, dict):
            target[draw(st.sampled_from(sorted(keys)))] = value
        else:
            target[path[-1]] = value
        return doc

    return mutate()


def _paths(data: Any, path: tuple[Any, ...]) -> Any:
    items = data.items() if isinstance(data, dict) else \
        enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield (*path, key)
        yield from _paths(value, (*path, key))


_VALID: dict[str, Any] = {
    "package": {"name": "Agency Onboarding", "description": "d", "source": "sandbox",
                "status": "ACTIVE", "id": UUID,
                "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": HEX,
                                                                        "name": "T"}]}],
                "install": [{"environment": "preview", "after": ["sandbox"],
                             "overrides": {"TTSK": {HEX: "IGNORE"}}}]},
    "config": {"api": "current", "owner": "acme", "packages": "promotions/", "prune": "off",
               "concurrency": 8, "timeouts": {"request": 30, "lock": 0},
               "safety": {"max_change_percent": 30, "min_managed": 10},
               "simulator": {"state": "s.json", "assembly_seconds": 0},
               "environments": {"sandbox": {"url": "simulator", "kind": "sandbox"},
                                "production": {"url": "https://a.example",
                                               "kind": "production",
                                               "auth": {"apikey_env": "WF_KEY"}}}},
}


@pytest.mark.parametrize("name", ["package", "config"])
def test_valid_examples_pass(name: str) -> None:
    check = conformance(name)
    assert check is not None and check(_VALID[name])
    assert _jsonschema_says_valid(name, _VALID[name])


def _example_documents() -> list[tuple[str, Any]]:
    out = []
    for path in sorted((ROOT / "examples").rglob("*.y*ml")):
        if ".github" in path.parts or "github" in path.parts or "gitlab" in path.parts:
            continue
        try:
            docs = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        except Exception:  # not every example file is ours to read
            continue
        kind = "config" if path.name.startswith("wfpromote") else "package"
        out += [(kind, doc.data) for doc in docs]
    return out


def test_examples_and_corpus_agree() -> None:
    import test_foundation_corpus as corpus

    documents = _example_documents()
    for case in corpus.CASES:
        for file, text in case.files.items():
            if not isinstance(text, str):
                continue
            try:
                docs = parse_yaml(text, file)
            except Exception:  # syntax errors never reach the schema
                continue
            kind = "config" if file.endswith("wfpromote.yaml") else "package"
            documents += [(kind, doc.data) for doc in docs]
    assert len(documents) > 30
    for kind, data in documents:
        check = conformance(kind)
        assert check is not None
        _agrees(check, _jsonschema_says_valid(kind, data), data)


# --- jsonschema-rs on schemas made up from every keyword our schemas use ---------------------

_WORDS = ["a", "b", "ab", "A1", "", "x y", "TMPL"]
_PATTERNS = ["^[a-z]+$", "^[A-Z][A-Z0-9_]*$", "b", "^(?=.*\\S)[^\\u0000-\\u001f]*$"]
_TYPES = ["object", "array", "string", "integer", "number", "boolean", "null"]


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    keywords = st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(_TYPES) | st.lists(st.sampled_from(_TYPES), min_size=1,
                                                    max_size=3, unique=True),
        "enum": st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3, unique=True),
        "pattern": st.sampled_from(_PATTERNS),
        "minLength": st.integers(0, 3), "maxLength": st.integers(0, 3),
        "minItems": st.integers(0, 2), "maxItems": st.integers(0, 2),
        "minProperties": st.integers(0, 2), "maxProperties": st.integers(0, 2),
        "minimum": st.sampled_from([0, 1, 1.5]), "maximum": st.sampled_from([0, 2, 2.5]),
        "exclusiveMinimum": st.sampled_from([0, 1]), "exclusiveMaximum": st.sampled_from([1, 3]),
        "required": st.lists(st.sampled_from(_WORDS[:3]), max_size=2, unique=True),
        "description": st.just("annotations never fail"),
    })
    return keywords


def _schemas(refs: bool) -> st.SearchStrategy[Any]:
    ref = {"$ref": st.just("#/$defs/d")} if refs else {}

    def grow(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.tuples(_leaf(), st.fixed_dictionaries({}, optional={
            "properties": st.dictionaries(st.sampled_from(_WORDS[:4]), inner, max_size=3),
            "additionalProperties": st.booleans() | inner,
            "propertyNames": st.fixed_dictionaries({"pattern": st.sampled_from(_PATTERNS)}),
            "items": inner,
            "oneOf": st.lists(inner, min_size=1, max_size=3),
            **ref,
        })).map(lambda parts: {**parts[0], **parts[1]})

    return st.recursive(_leaf() | st.booleans(), grow, max_leaves=6)


_INSTANCES = st.recursive(
    st.none() | st.booleans() | st.integers(-1, 4) | st.sampled_from([0.5, 1.0, 2.5, -0.0,
                                                                      float("nan")]) |
    st.sampled_from(_WORDS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_WORDS),
                                                                 inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_schemas(refs=True).filter(lambda s: isinstance(s, dict)), _schemas(refs=False),
       st.lists(_INSTANCES, min_size=1, max_size=6))
def test_fast_check_agrees_with_jsonschema_on_made_up_schemas(
        body: dict[str, Any], definition: Any, instances: list[Any]) -> None:
    """Whatever an edit of a schema combines (types, bounds, patterns, ``$ref``, ``oneOf``),
    jsonschema-rs says "valid" exactly when jsonschema (with ECMA-262's ``$``) does."""
    import jsonschema_rs
    from jsonschema import Draft202012Validator, validators

    from reconciler.desired.schemas import _ecma_pattern

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$defs": {"d": definition}, **body}
    fast = jsonschema_rs.validator_for(schema)
    strict = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})(schema)
    for instance in instances:
        expected = next(iter(strict.iter_errors(instance)), None) is None
        _agrees(fast.is_valid, expected, instance)
