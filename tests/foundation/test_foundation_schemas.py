"""The JSON Schemas (the source of truth) agree with the pydantic models and domain.objcodes."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
from conftest import Repo
from jsonschema import Draft202012Validator

from reconciler.desired.schemas import load_schema
from reconciler.domain import declared as model
from reconciler.domain.objcodes import INSTALL_ACTIONS, PROMOTABLE_CODES
from reconciler.domain.profiles import PROFILE_NAMES

LOADER_ONLY = {"definition_content", "origin", "root", "path", "soaks"}


def _fields(cls: type[model.BaseModel]) -> tuple[set[str], set[str]]:
    names = {n for n in cls.model_fields if n not in LOADER_ONLY}
    required = {n for n, f in cls.model_fields.items() if f.is_required()}
    return names, required


def _check(schema: dict[str, Any], cls: type[model.BaseModel]) -> None:
    names, required = _fields(cls)
    assert set(schema["properties"]) - {"$schema"} == names, cls.__name__
    assert set(schema.get("required", [])) == required, cls.__name__
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert prop.get("description") or "$ref" in prop or "items" in prop, name


@pytest.mark.parametrize("name", ["package", "config"])
def test_schemas_are_valid_2020_12(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")


def test_package_schema_matches_models() -> None:
    schema = load_schema("package")
    defs = schema["$defs"]
    _check(schema, model.PackageSpec)
    _check(defs["objectCollection"], model.ObjectCollection)
    _check(defs["entity"], model.Entity)
    _check(defs["installStep"], model.InstallStep)
    assert schema["properties"]["status"]["enum"] == [s.value for s in model.Status]
    assert schema["properties"]["id"]["pattern"] == model.UUID_RE
    assert defs["entity"]["properties"]["ID"]["pattern"] == model.HEX32
    assert schema["properties"]["name"]["minLength"] == 5


def test_objcode_enum_is_the_one_list_in_objcodes() -> None:
    enum = load_schema("package")["$defs"]["objectCollection"]["properties"]["objCode"]["enum"]
    assert enum == list(PROMOTABLE_CODES)


def test_install_actions_agree() -> None:
    overrides = load_schema("package")["$defs"]["installStep"]["properties"]["overrides"]
    actions = overrides["additionalProperties"]["additionalProperties"]["enum"]
    assert actions == list(INSTALL_ACTIONS) == list(typing.get_args(model.InstallAction))
    assert overrides["additionalProperties"]["propertyNames"]["pattern"] == model.HEX32


def test_config_schema_matches_models() -> None:
    schema = load_schema("config")
    defs, props = schema["$defs"], schema["properties"]
    _check(schema, model.Config)
    _check(defs["environment"], model.EnvironmentConfig)
    _check(defs["auth"], model.AuthConfig)
    _check(defs["auth"]["properties"]["oauth"], model.OAuthClientCredentials)
    _check(defs["auth"]["properties"]["refresh"], model.OAuthRefreshToken)
    _check(props["timeouts"], model.Timeouts)
    _check(props["safety"], model.Safety)
    _check(props["simulator"], model.SimulatorConfig)
    assert props["api"]["enum"] == list(PROFILE_NAMES)
    assert props["prune"]["enum"] == list(typing.get_args(
        model.Config.model_fields["prune"].annotation))
    assert defs["environment"]["properties"]["kind"]["enum"] == list(
        typing.get_args(model.EnvKind))


def test_schema_defaults_match_model_defaults() -> None:
    props = load_schema("config")["properties"]
    for section, cls in (("timeouts", model.Timeouts), ("safety", model.Safety),
                         ("simulator", model.SimulatorConfig)):
        for name, prop in props[section]["properties"].items():
            assert prop["default"] == cls.model_fields[name].default, (section, name)
    assert props["concurrency"]["default"] == model.Config.model_fields["concurrency"].default


@pytest.mark.parametrize("name", ["package", "config"])
def test_schema_command_prints_the_schema(repo: Repo, name: str) -> None:
    out = repo.cli("schema", name)
    assert out.code == 0
    assert json.loads(out.out) == load_schema(name)


def test_schema_command_unknown_name(repo: Repo) -> None:
    out = repo.cli("schema", "nope")
    assert out.code == 1 and "Traceback" not in out.text
