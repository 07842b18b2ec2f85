"""Hypothesis-generated package and config files: `wfpromote validate` never crashes.

Documents are built from the real keys (and stray ones) with values of every JSON/YAML type,
written as YAML or JSON, sometimes damaged (cut short, a tab, a NaN, a stray character).
Whatever comes in, validate answers 0 or 1 with messages: never a traceback, never the CLI's
"internal error" catch-all.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relkit import TALLY, count
from support.repos import simulator_config

from reconciler.cli import run

EXAMPLES = count(120, 3000)

PACKAGE_KEYS = ("name", "description", "source", "status", "objectCollections", "definition",
                "id", "install", "objCode", "entities", "ID", "environment", "after",
                "overrides", "packageEntities")
CONFIG_KEYS = ("api", "owner", "packages", "prune", "environments", "timeouts", "safety",
               "simulator", "concurrency", "url", "kind", "auth", "apikey_env", "request",
               "assembly", "state", "assembly_seconds", "max_change_percent")
WORDS = ("DRAFT", "ACTIVE", "TESTING", "DISABLED", "sandbox", "preview", "production",
         "current", "2023", "simulator", "TMPL", "PTLTAB", "ffa0f8d27e87c5ba0010aeee529de4a4",
         "http://127.0.0.1:1/x", "packages/", "../outside", "a.definition.json", "", " ",
         "Agency Onboarding", "disable", "delete", "off", "WF_KEY", "NaN", "Infinity")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS),
    st.text(max_size=30))


def documents(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    key = st.one_of(st.sampled_from(keys), st.text(max_size=12))
    values = st.recursive(
        scalars, lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(key, inner, max_size=5)), max_leaves=20)
    return st.dictionaries(key, values, max_size=8) | values


def render(data: Any, as_json: bool) -> str:
    text = json.dumps(data, ensure_ascii=False, allow_nan=True, default=str)
    if as_json:
        return text
    from ruamel.yaml import YAML

    out = io.StringIO()
    try:
        YAML(typ="safe", pure=True).dump(data, out)
    except Exception:  # data the YAML emitter cannot write: use the JSON text (valid YAML)
        return text
    return out.getvalue()


damage = st.sampled_from(("none", "none", "truncate", "tab", "nan", "junk", "bom", "dup"))


def damaged(text: str, how: str, where: int) -> str | bytes:
    cut = where % (len(text) + 1)
    if how == "truncate":
        return text[:cut]
    if how == "tab":
        return text[:cut] + "\t" + text[cut:]
    if how == "nan":
        return text[:cut] + " NaN " + text[cut:]
    if how == "junk":
        return text[:cut] + "\x00\x7f{[:&*!" + text[cut:]
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how == "dup":
        return text + "\n" + text
    return text


CONFIG = simulator_config(owner="fuzz")


def _validate(config: str | bytes, files: dict[str, str | bytes],
              config_name: str = "wfpromote.yaml") -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "packages").mkdir()
        _write(root / config_name, config)
        for name, content in files.items():
            _write(root / "packages" / name, content)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["--config", str(root / config_name), "validate"])
    TALLY["generated files"] += 1 + len(files)
    text = out.getvalue() + err.getvalue()
    assert code in (0, 1), text
    assert "Traceback" not in text and "internal error" not in text, text
    if code == 1:
        assert "error" in text or ":" in text, text


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=documents(PACKAGE_KEYS), as_json=st.booleans(), how=damage,
       where=st.integers(0, 10**6), second=st.none() | documents(PACKAGE_KEYS))
def test_validate_never_crashes_on_package_files(data: Any, as_json: bool, how: str,
                                                 where: int, second: Any) -> None:
    suffix = "json" if as_json else "yaml"
    files: dict[str, str | bytes] = {f"a.{suffix}": damaged(render(data, as_json), how, where)}
    if second is not None:
        files["b.yaml"] = render(second, False)
    _validate(CONFIG, files)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=documents(CONFIG_KEYS), as_json=st.booleans(), how=damage,
       where=st.integers(0, 10**6))
def test_validate_never_crashes_on_config_files(data: Any, as_json: bool, how: str,
                                                where: int) -> None:
    _validate(damaged(render(data, as_json), how, where),
              {"a.yaml": "name: Agency Onboarding\nsource: sandbox\nobjectCollections:\n"
                         "  - objCode: TMPL\n    entities:\n"
                         "      - {ID: ffa0f8d27e87c5ba0010aeee529de4a4}\n"},
              "wfpromote.json" if as_json else "wfpromote.yaml")


VALID_PACKAGE: dict[str, Any] = {
    "name": "Agency Onboarding", "description": "fuzzed", "source": "sandbox",
    "status": "ACTIVE", "objectCollections": [
        {"objCode": "TMPL", "entities": [{"ID": "ffa0f8d27e87c5ba0010aeee529de4a4",
                                          "name": "New Agency Onboarding"}]}],
    "install": [{"environment": "preview"}, {"environment": "production",
                                             "after": ["preview"]}]}
VALID_CONFIG: dict[str, Any] = {
    "api": "current", "owner": "fuzz", "packages": "packages/", "prune": "disable",
    "concurrency": 4, "timeouts": {"request": 30, "assembly": 900},
    "safety": {"max_change_percent": 30, "min_managed": 10},
    "environments": {"sandbox": {"url": "simulator", "kind": "sandbox"},
                     "preview": {"url": "http://127.0.0.1:8765/preview", "kind": "preview",
                                 "auth": {"apikey_env": "WF_KEY"}}}}


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


def _mutate(data: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    data = json.loads(json.dumps(data))
    if not path:
        return value
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(choice=st.integers(0, 10**6), value=documents(PACKAGE_KEYS + CONFIG_KEYS),
       delete=st.booleans(), as_json=st.booleans(), config=st.booleans())
def test_validate_never_crashes_on_one_mutation_of_a_valid_file(
        choice: int, value: Any, delete: bool, as_json: bool, config: bool) -> None:
    base = VALID_CONFIG if config else VALID_PACKAGE
    paths = _paths(base)
    path = paths[choice % len(paths)]
    mutated = _mutate(base, path, value, delete and bool(path))
    text = render(mutated, as_json)
    if config:
        _validate(text, {"a.yaml": render(VALID_PACKAGE, False)},
                  "wfpromote.json" if as_json else "wfpromote.yaml")
    else:
        _validate(render(VALID_CONFIG, False), {f"a.{'json' if as_json else 'yaml'}": text})
