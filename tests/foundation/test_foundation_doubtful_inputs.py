"""Doubtful inputs (issue 19, item 5): each refused at its file, line, column and key path.

Names written in Unicode NFC and NFD are one name; a `revision:` or a package name beyond
the documented bounds (docs/file-formats.md, schemas/package.schema.json) is refused.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import GOOD, Repo, assert_one_error

from reconciler.desired.schemas import load_schema

NAME = "Café Onboarding"
NFC, NFD = unicodedata.normalize("NFC", NAME), unicodedata.normalize("NFD", NAME)
NAME_MAX, REVISION_MAX = 255, 2_147_483_647


def named(name: str) -> str:
    return GOOD.replace("name: Agency Onboarding", f"name: {name}")


def with_revision(text: str) -> str:
    return GOOD.replace("status: ACTIVE\n", f"status: ACTIVE\nrevision: {text}\n")


def test_the_bounds_are_the_documented_ones() -> None:
    props = load_schema("package")["properties"]
    assert props["name"]["maxLength"] == NAME_MAX
    assert props["revision"]["maximum"] == REVISION_MAX


def test_nfc_and_nfd_spellings_of_one_name_are_refused_as_a_duplicate(repo: Repo) -> None:
    assert NFC != NFD
    repo.package("a.yaml", named(NFC))
    repo.package("b.yaml", named(NFD))
    out = repo.validate()
    assert_one_error(out, "packages/b.yaml:1:7", "declared twice", "packages/a.yaml:1",
                     "Unicode-normalised (NFC)", ascii(NFC), ascii(NFD),
                     "combining accent")


def test_names_differing_in_surrounding_blanks_are_one_name(repo: Repo) -> None:
    repo.package("a.yaml", named("Agency Onboarding"))
    repo.package("b.yaml", named('"Agency Onboarding  "'))
    assert_one_error(repo.validate(), "packages/b.yaml:1:7", "declared twice")


def test_two_different_accented_names_stay_two(repo: Repo) -> None:
    repo.package("a.yaml", named(NFC))
    repo.package("b.yaml", named(unicodedata.normalize("NFD", "Cafè Onboarding"))
                 .replace("ffa0f8d27e87c5ba0010aeee529de4a4", "ffa0f8d27e87c5ba0010aeee529de4a5"))
    assert repo.validate().code == 0


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_revision_of_400_digits_is_refused_at_its_line(repo: Repo, suffix: str) -> None:
    digits = "9" * 400
    if suffix == "yaml":
        repo.package("a.yaml", with_revision(digits))
        where = "packages/a.yaml:4:11"
    else:
        repo.package("a.json", '{"name": "Agency Onboarding", "source": "sandbox",\n'
                     f' "revision": {digits},\n "objectCollections": [{{"objCode": "TMPL", '
                     '"entities": [{"ID": "ffa0f8d27e87c5ba0010aeee529de4a4"}]}]}\n')
        where = "packages/a.json:2:14"
    out = repo.validate()
    assert_one_error(out, where, "'revision' must be at most 2147483647", "$.revision",
                     "allowed: from 0 to 2147483647")
    assert digits not in out.text


def test_a_revision_too_long_to_read_says_so(repo: Repo) -> None:
    repo.package("a.yaml", with_revision("9" * 5000))
    assert_one_error(repo.validate(), "packages/a.yaml:4:11", "$.revision",
                     "a number of 5000 digits is too long to read")


def test_the_largest_revision_is_accepted(repo: Repo) -> None:
    repo.package("a.yaml", with_revision(str(REVISION_MAX)))
    assert repo.validate().code == 0
    repo.package("a.yaml", with_revision(str(REVISION_MAX + 1)))
    assert_one_error(repo.validate(), "packages/a.yaml:4:11", "at most 2147483647")


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_one_megabyte_name_is_refused_without_being_shown(repo: Repo, suffix: str) -> None:
    name = "Agency " + "x" * 1_000_000
    if suffix == "yaml":
        repo.package("a.yaml", named(name))
    else:
        repo.package("a.json", json.dumps(
            {"name": name, "source": "sandbox", "objectCollections": [
                {"objCode": "TMPL", "entities": [{"ID": "ffa0f8d27e87c5ba0010aeee529de4a4"}]}]}))
    out = repo.validate("--format", "json") if suffix == "json" else repo.validate()
    assert out.code == 1 and "Traceback" not in out.text
    assert "x" * 100 not in out.text and len(out.text) < 2000
    if suffix == "json":
        [problem] = json.loads(out.out)["problems"]
        assert (problem["file"], problem["line"], problem["path"]) == ("packages/a.json", 1,
                                                                       "$.name")
        assert problem["message"] == "'name' must be at most 255 characters long"
        assert "shorten the name" in problem["hint"]
    else:
        assert_one_error(out, "packages/a.yaml:1:7", "at most 255 characters", "$.name",
                         "shorten the name", "docs/file-formats.md")


def test_a_name_of_255_characters_is_accepted(repo: Repo) -> None:
    repo.package("a.yaml", named("A" * NAME_MAX))
    assert repo.validate().code == 0
    repo.package("a.yaml", named("A" * (NAME_MAX + 1)))
    assert_one_error(repo.validate(), "packages/a.yaml:1:7", "at most 255 characters")
