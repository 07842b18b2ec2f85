"""Reading untrusted files: syntax, encodings, tags, alias bombs, limits, links."""

from __future__ import annotations

import os
import time

import pytest
from conftest import GOOD, Repo, assert_one_error
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import sources


def test_yaml_syntax_error_has_line_and_column(repo: Repo) -> None:
    repo.package("bad.yaml", "name: Agency Onboarding\nsource: [sandbox\nstatus: DRAFT\n")
    out = repo.validate()
    assert_one_error(out, "packages/bad.yaml:", "YAML syntax error")
    line = out.err.split("packages/bad.yaml:")[1].split(":")[0]
    assert line.isdigit() and int(line) >= 2


def test_json_syntax_error_uses_json_position(repo: Repo) -> None:
    repo.package("bad.json", '{\n  "name": "Agency Onboarding",\n  "source": sandbox\n}\n')
    assert_one_error(repo.validate(), "packages/bad.json:3:13", "JSON syntax error")


def test_duplicate_key_names_both_lines(repo: Repo) -> None:
    repo.package("dup.yaml", GOOD + "name: Agency Onboarding 2\n")
    assert_one_error(repo.validate(), "packages/dup.yaml:12:1", "duplicate key 'name'",
                     "line 12", "line 1")


def test_duplicate_key_in_json(repo: Repo) -> None:
    repo.package("dup.json", '{"name": "Agency Onb", "source": "sandbox",\n'
                             ' "name": "Other name"}\n')
    assert_one_error(repo.validate(), "packages/dup.json:2:2", "duplicate key 'name'")


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!foo", "!!binary",
                                 "!!python/name:builtins.exec"])
def test_tags_are_refused(repo: Repo, tag: str) -> None:
    repo.package("tag.yaml", GOOD.replace("name: Agency", f"name: {tag} Agency"))
    assert_one_error(repo.validate(), "packages/tag.yaml:1:7", "is not allowed")


def test_alias_bomb_is_refused_quickly(repo: Repo) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    repo.package("bomb.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    out = repo.validate()
    assert time.perf_counter() - started < 10  # generous: a real expansion never finishes
    assert_one_error(out, "packages/bomb.yaml:", "alias bomb")


@pytest.mark.parametrize("content", ["name: " + "[" * 200 + "]" * 200 + "\n",
                                     "name: " + "[" * 50_000 + "]" * 50_000 + "\n",
                                     "name:\n" + "- " * 50_000 + "x\n"])
def test_deep_nesting_is_refused_without_crashing(repo: Repo, content: str) -> None:
    repo.package("deep.yaml", content)  # the C parser would overflow the C stack here
    assert_one_error(repo.validate(), "packages/deep.yaml:", "nested deeper")


@pytest.mark.parametrize(("content", "where"), [
    ("name: " + "[" * 70 + "]" * 70 + "\n", "1:71"),  # composed: the builder reports it
    ("name: " + "[" * 50_000 + "]" * 50_000 + "\n", "1:71"),  # too deep to compose
    ("name:\n" + "- " * 50_000 + "x\n", "2:129"),
    ("name: " + "{k: " * 5_000 + "v" + "}" * 5_000 + "\n", "1:263"),
    ("a: 1\n---\nname:\n" + "  " * 40 + "- " * 50_000 + "x\n", "4:209"),
])
def test_deep_nesting_is_reported_at_its_line_and_column(repo: Repo, content: str,
                                                          where: str) -> None:
    """The first value nested deeper than 64 levels, however deep the document goes."""
    repo.package("deep.yaml", content)
    assert_one_error(repo.validate(), f"packages/deep.yaml:{where}", "nested deeper")


@pytest.mark.parametrize("content", ["[" * 70 + "]" * 70, "[" * 100_000 + "]" * 100_000,
                                     '{"a": ' * 3_000 + "1" + "}" * 3_000])
def test_deep_json_is_reported_at_its_line_and_column(repo: Repo, content: str) -> None:
    repo.package("deep.json", content)
    where = "1:66" if content[0] == "[" else "1:391"
    assert_one_error(repo.validate(), f"packages/deep.json:{where}", "nested deeper")


def test_non_utf8_bytes(repo: Repo) -> None:
    repo.package("latin.yaml", b"name: Agence\ndescription: caf\xe9\n")
    assert_one_error(repo.validate(), "packages/latin.yaml:2:17", "not valid UTF-8")


def test_bom_is_accepted(repo: Repo) -> None:
    repo.package("bom.yaml", b"\xef\xbb\xbf" + GOOD.encode())
    out = repo.validate()
    assert out.code == 0, out.text


def test_empty_file(repo: Repo) -> None:
    repo.package("empty.yaml", "\n# only a comment\n")
    assert_one_error(repo.validate(), "packages/empty.yaml", "empty file")


@pytest.mark.parametrize(("content", "kind"), [("- a\n- b\n", "a list"),
                                               ("just text\n", "a single value")])
def test_top_level_must_be_a_mapping(repo: Repo, content: str, kind: str) -> None:
    repo.package("shape.yaml", content)
    assert_one_error(repo.validate(), "packages/shape.yaml:1:1", f"not {kind}")


def test_unknown_key_suggests_the_right_one(repo: Repo) -> None:
    repo.package("typo.yaml", GOOD.replace("status:", "staus:"))
    out = repo.validate()
    assert_one_error(out, "packages/typo.yaml:3:1", "unknown key 'staus'",
                     "did you mean 'status'?", "(at $.staus)")


def test_wrong_types(repo: Repo) -> None:
    repo.package("types.yaml", GOOD.replace("source: sandbox", "source: [sandbox]")
                 .replace("    entities:\n      - {ID: ffa0f8d27e87c5ba0010aeee529de4a4, "
                          "name: New Agency Onboarding}", "    entities: 12"))
    out = repo.validate()
    assert_one_error(out, "packages/types.yaml:2:9", "'source' must be a string, not a list")
    assert "packages/types.yaml:6:15: 'entities' must be a list" in out.err


def test_bad_id_is_located_with_json_path(repo: Repo) -> None:
    repo.package("id.yaml", GOOD.replace("ffa0f8d27e87c5ba0010aeee529de4a4", "not-an-id"))
    assert_one_error(repo.validate(), "packages/id.yaml:7:14",
                     "(at $.objectCollections[0].entities[0].ID)")


def test_file_over_the_size_limit(repo: Repo) -> None:
    repo.package("huge.yaml", GOOD + "#" * (sources.MAX_BYTES + 1))
    assert_one_error(repo.validate(), "packages/huge.yaml", "too large")


def test_symlink_out_of_the_repository(repo: Repo, tmp_path_factory: pytest.TempPathFactory
                                       ) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text(GOOD)
    os.symlink(outside, repo.root / "packages" / "link.yaml")
    assert_one_error(repo.validate(), "packages/link.yaml", "outside the repository")


def test_symlinked_folder_out_of_the_repository(repo: Repo,
                                                tmp_path_factory: pytest.TempPathFactory
                                                ) -> None:
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "a.yaml").write_text(GOOD)
    os.symlink(outside, repo.root / "packages" / "more")
    assert_one_error(repo.validate(), "packages/more", "outside the repository")


def test_symlink_inside_the_repository_is_fine(repo: Repo) -> None:
    target = repo.write("shared/agency.yaml", GOOD)
    os.symlink(target, repo.root / "packages" / "agency.yaml")
    assert repo.validate().code == 0


def test_merge_keys_and_anchors_work(repo: Repo) -> None:
    repo.package("merge.yaml", GOOD.replace(
        "install:\n  - environment: preview\n",
        "install:\n  - &pre {environment: preview}\n") + "---\n" + GOOD.replace(
        "Agency Onboarding", "Agency Onboarding Copy"))
    assert repo.validate().code == 0


def test_positions_of_keys_and_values() -> None:
    doc = sources.parse_yaml("a:\n  b: [1, {c: x}]\n", "f.yaml")[0]
    assert doc.data == {"a": {"b": [1, {"c": "x"}]}}
    assert doc.positions.values[("a", "b", 1, "c")] == (2, 14)
    assert doc.positions.keys[("a", "b")] == (2, 3)
    assert doc.location(("a", "b", 0)).path == "$.a.b[0]"


def test_yaml_12_scalars() -> None:
    data = sources.parse_yaml("a: yes\nb: 0o17\nc: 1.5\nd: ~\ne: true\nf: 2024-01-01\n",
                              "f.yaml")[0].data
    assert data == {"a": "yes", "b": 15, "c": 1.5, "d": None, "e": True, "f": "2024-01-01"}


YAMLISH = list("ab: -[]{}&*!#'\"\n\t\x00\x07,?|>%@`1.~\\")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(YAMLISH), max_size=60))
def test_any_text_reads_or_fails_cleanly(text: str) -> None:
    try:
        sources.parse_yaml(text, "f.yaml")
    except sources.SourceError as exc:
        assert exc.location is not None and exc.location.file == "f.yaml"


def test_control_character_is_located(repo: Repo) -> None:
    repo.package("ctl.yaml", "name: Agency Onboarding\nsource: sand\x07box\n")
    assert_one_error(repo.validate(), "packages/ctl.yaml:2:13", "not allowed in YAML")


def test_json_that_yaml_cannot_read_still_loads() -> None:
    long_key = "k" * 2000  # YAML caps implicit keys at 1024 characters; JSON does not
    doc = sources.parse_json(f'{{"{long_key}": 1, "b": [1]}}', "f.json")
    assert doc.data == {long_key: 1, "b": [1]}
    with pytest.raises(sources.SourceError, match="duplicate key"):
        sources.parse_json(f'{{"{long_key}": 1, "{long_key}": 2}}', "f.json")
