"""Checks across files and against the configuration."""

from __future__ import annotations

import os

import pytest
from conftest import GOOD, Repo, assert_one_error

DEFINITION = '{"GROUP": [{"id": "dd8c5b39ceabb1c876a8cb721050d6f8", "name": "Default Group"}]}'
BY_VALUE = """\
name: Groups by value
source: sandbox
definition: {path}
"""


def test_duplicate_package_names_name_both_places(repo: Repo) -> None:
    repo.package("a.yaml", GOOD)
    repo.package("b/b.yaml", "# another\n" + GOOD)
    out = repo.validate()
    assert_one_error(out, "packages/b/b.yaml:2:7", "declared twice", "packages/a.yaml:1",
                     "packages/b/b.yaml:2")


def test_unknown_source_environment(repo: Repo) -> None:
    repo.package("a.yaml", GOOD.replace("source: sandbox", "source: sandbx"))
    assert_one_error(repo.validate(), "packages/a.yaml:2:9", "source environment 'sandbx'",
                     "did you mean 'sandbox'?")


def test_unknown_install_environment(repo: Repo) -> None:
    repo.package("a.yaml", GOOD.replace("- environment: preview", "- environment: staging")
                 .replace("after: [preview]", "after: [staging]"))
    assert_one_error(repo.validate(), "packages/a.yaml:9:18", "install environment 'staging'")


def test_after_must_name_an_earlier_install(repo: Repo) -> None:
    repo.package("a.yaml", GOOD.replace("  - environment: preview\n", ""))
    assert_one_error(repo.validate(), "packages/a.yaml:10:13", "'after: preview'",
                     "add an install step for 'preview'")


def test_production_install_of_a_testing_package_is_left_to_the_plan(repo: Repo) -> None:
    # The plan shows that install as blocked (tests/apply/test_apply_installs.py); the
    # files themselves are valid.
    repo.package("a.yaml", GOOD.replace("status: ACTIVE", "status: TESTING"))
    assert repo.validate().code == 0


def test_duplicate_entity_ids(repo: Repo) -> None:
    repo.package("a.yaml", GOOD.replace(
        "name: New Agency Onboarding}",
        "name: New Agency Onboarding}\n      - {ID: FFA0F8D27E87C5BA0010AEEE529DE4A4}"))
    assert_one_error(repo.validate(), "packages/a.yaml:8:14", "listed twice")


def test_definition_by_value_loads(repo: Repo) -> None:
    from reconciler.desired.config import load_config
    from reconciler.desired.loader import load_packages
    from reconciler.run.settings import load_settings

    repo.package("groups.definition.json", DEFINITION)
    repo.package("groups.yaml", BY_VALUE.format(path="groups.definition.json"))
    assert repo.validate().code == 0
    [spec] = load_packages(load_settings(load_config(None)))
    assert spec.definition_content == {"GROUP": [
        {"id": "dd8c5b39ceabb1c876a8cb721050d6f8", "name": "Default Group"}]}
    assert spec.origin is not None and spec.origin.file.endswith("groups.yaml")


def test_definition_file_with_other_name_is_not_a_package(repo: Repo) -> None:
    repo.package("data/groups.json", '{"packageEntities": ' + DEFINITION + "}")
    repo.package("groups.yaml", BY_VALUE.format(path="data/groups.json"))
    out = repo.validate()
    assert out.code == 0, out.text
    assert "1 package in 1 file" in out.err


def test_definition_outside_the_repository(repo: Repo) -> None:
    repo.package("groups.yaml", BY_VALUE.format(path="../../../etc/passwd"))
    assert_one_error(repo.validate(), "packages/groups.yaml:3:13", "outside the repository")


def test_definition_symlink_outside_the_repository(
        repo: Repo, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("defs") / "g.json"
    outside.write_text(DEFINITION)
    os.symlink(outside, repo.root / "packages" / "g.definition.json")
    repo.package("groups.yaml", BY_VALUE.format(path="g.definition.json"))
    assert_one_error(repo.validate(), "packages/groups.yaml:3:13", "symbolic link")


def test_definition_missing(repo: Repo) -> None:
    repo.package("groups.yaml", BY_VALUE.format(path="nope.definition.json"))
    assert_one_error(repo.validate(), "packages/groups.yaml:3:13", "not found")


@pytest.mark.parametrize(("content", "where", "words"), [
    ('{"GROUP": [{"name": "x"}]}', "packages/g.definition.json:1:12", "needs an 'id'"),
    ('{"GROUP": [1,}', "packages/g.definition.json:1:14", "JSON syntax error"),
    ("[]", "packages/g.definition.json:1:1", "non-empty map"),
])
def test_definition_invalid(repo: Repo, content: str, where: str, words: str) -> None:
    repo.package("g.definition.json", content)
    repo.package("groups.yaml", BY_VALUE.format(path="g.definition.json"))
    assert_one_error(repo.validate(), where, words)


def test_both_collections_and_definition(repo: Repo) -> None:
    repo.package("g.definition.json", DEFINITION)
    repo.package("a.yaml", GOOD + "definition: g.definition.json\n")
    assert_one_error(repo.validate(), "packages/a.yaml:12:1", "not both")


def test_all_errors_in_one_run(repo: Repo) -> None:
    repo.package("a.yaml", GOOD.replace("status:", "staus:"))
    repo.package("b.yaml", GOOD.replace("Agency Onboarding", "Other One").replace(
        "sandbox", "sandbx"))
    repo.package("c.json", "{")
    out = repo.validate()
    assert out.code == 1
    assert all(f"packages/{f}" in out.err for f in ("a.yaml", "b.yaml", "c.json"))
    assert "3 problems" in out.err


def test_paths_on_the_command_line(repo: Repo) -> None:
    repo.package("a.yaml", GOOD)
    repo.package("broken.yaml", "name: [")
    assert repo.validate("packages/a.yaml").code == 0
    assert_one_error(repo.validate("packages/missing.yaml"), "packages/missing.yaml",
                     "no such file")
