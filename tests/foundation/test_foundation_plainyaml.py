"""The plain-YAML reader gives exactly what composing with ruamel gives, or steps aside.

``plainyaml.read`` reads the common subset of YAML without ruamel; for any other text it
returns None and ``sources`` composes the text with ruamel, which reports every error. A wrong
answer would change a package silently, so its result is compared with the ruamel path's on
the examples, on every file of the bad-input corpus, on generated documents in many styles and
on generated near-misses (one character inserted, removed or replaced): either it steps aside,
or the documents, their start lines and every value (type included) are the same.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plain_vs_ruamel import by_ruamel, canon, pure_parser
from test_foundation_corpus import CASES

from reconciler.desired import composer, plainyaml, sources

ROOT = Path(__file__).resolve().parents[2]
HEX = "ffa0f8d27e87c5ba0010aeee529de4a4"
# `make test` runs a bounded number of examples; with WFPROMOTE_SOAK=1 set, twenty times more.
SOAK = 20 if os.environ.get("WFPROMOTE_SOAK", "") not in ("", "0") else 1


def assert_same(text: str) -> bool:
    """The plain reader agrees with ruamel on ``text``; True if it read the text itself."""
    plain = plainyaml.read(text)
    if plain is None:
        return False
    assert [(line, canon(data)) for line, data in plain] == by_ruamel(text), text
    return True


def yaml_texts() -> list[tuple[str, str]]:
    found = [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8"))
             for p in sorted((ROOT / "examples").rglob("*.y*ml"))]
    for case in CASES:
        for name, content in case.files.items():
            if isinstance(content, str) and name.endswith((".yaml", ".yml")):
                found.append((f"{case.id}:{name}", content))
    return found


@pytest.mark.parametrize(("name", "text"), yaml_texts(), ids=[n for n, _ in yaml_texts()])
def test_examples_and_corpus_read_the_same(name: str, text: str) -> None:
    assert_same(text)


def test_the_examples_take_the_plain_path() -> None:
    """The point of the reader: the package files people write do not need ruamel."""
    packages = sorted((ROOT / "examples" / "promotions").rglob("*.yaml"))
    assert packages
    for path in packages:
        assert assert_same(path.read_text(encoding="utf-8")), path


def test_rules_are_ruamels_yaml_12_rules() -> None:
    """The copied resolver table is ruamel's own, rule for rule and in the same order."""
    resolver = composer._resolver_class()(loadumper=None)
    theirs = {first: [(tag, rx.pattern, rx.flags & ~re.UNICODE) for tag, rx in rules]
              for first, rules in resolver.versioned_resolver.items()}
    ours = {first: [(tag, pattern, re.compile(pattern, flags).flags & ~re.UNICODE)
                    for tag, pattern, flags in rules]
            for first, rules in plainyaml.RULES_BY_FIRST.items()}
    assert ours == theirs
    for rules in plainyaml.RULES_BY_FIRST.values():  # what joining them into one relies on
        assert len({flags for _, _, flags in rules}) == 1
        assert all(re.compile(pattern, flags).groups == 0 for _, pattern, flags in rules)


NUMBERISH = "0123456789_.+-eExXoObB:aAfFnNiItTlLuU~ <=!&*yYZz"


@settings(max_examples=400 * SOAK, deadline=None)
@given(st.text(alphabet=NUMBERISH, min_size=1, max_size=14))
def test_resolution_matches_ruamel(text: str) -> None:
    from ruamel.yaml.nodes import ScalarNode

    resolver = composer._resolver_class()(loadumper=None)
    assert plainyaml.resolve(text) == str(resolver.resolve(ScalarNode, text, (True, False)))


# --- generated documents -------------------------------------------------------------------

# Values YAML reads plainly, and values it reads otherwise or refuses unquoted.
SAFE_WORDS = ["Agency Onboarding", "sandbox", "DRAFT", "TMPL", HEX, "0" + HEX[1:], "yes", "no",
              "on", "off", "null", "Null", "~", "true", "False", "TRUE", "0o17", "0x1F", "0b11",
              "1_000", "1e3", "1E+3", "-1", "+1", "-0", "007", "1.0", "1.", ".5", "-.5", ".inf",
              "-.Inf", ".nan", "NaN", "2024-01-01", "2024-01-01 10:00:00", "12:30",
              "2024-1-1T1:00:00Z", "<<", "<", "a b", "a:b", "a#b", "it's", 'say "x"', "a - b",
              "caf\u00e9", "\u65e5\u672c", "\U0001f600", "a\\b", "x  y", "Template 1 A",
              "https://a.example:8443/x", "0" * 30, "9" * 5000, "1" * 20]
ODD_WORDS = ["=", "a: b", "a #b", "#x", "x,y", "[a]", "{a}", "-", "-x", "?x", ":x", "x:", "&a",
             "*a", "!x", "%x", "@x", "`x`", "|", ">", " lead", "trail ", "\xa0x", "x\xa0",
             "a\u2003b", "\u3000", "x\u0085y", "a'b", 'a"b', "k: v, w"]
SAFE_KEYS = ["name", "source", "ID", "$schema", "objCode", "a b", "0123", "true", "null",
             "x-y", "a.b", "a/b", "on", HEX, "caf\u00e9", "K" * 150]
ODD_KEYS = ["-a", "?", "<<", "=", "K" * 210, "", "a:", "#k", "k ", "[k]", "a-", "x.", "\xa0k",
            "\u0663", "a #b"]


def scalar_text(draw: st.DrawFn, value: str | None, safe: bool) -> str:
    if value is None:
        return draw(st.sampled_from(["null", "~"] if safe else ["null", "~", ""]))
    styles = ["plain", "plain", "plain", "single", "double"]
    if value and (value[0] in " -?:,[]{}#&*!|>'\"%@`" or value[-1] in " :" or
                  ": " in value or " #" in value) and value not in ("-1", "-0", "-.5", "-.Inf"):
        styles = ["single", "double"] if safe else styles
    style = draw(st.sampled_from(styles))
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def flow_text(draw: st.DrawFn, value: Any, safe: bool) -> str:
    if isinstance(value, dict):
        sep = draw(st.sampled_from([", ", ",", " , "]))
        colon = ": " if safe else draw(st.sampled_from([": ", " : ", ":"]))
        inner = sep.join(f"{flow_key(draw, k, safe)}{colon}{flow_text(draw, v, safe)}"
                         for k, v in value.items())
        return "{" + draw(st.sampled_from(["", " "])) + inner + "}"
    if isinstance(value, list):
        sep = draw(st.sampled_from([", ", ",", " ,"]))
        end = draw(st.sampled_from(["]", " ]"] if safe else ["]", " ]", ",]"]))
        return "[" + sep.join(flow_text(draw, v, safe) for v in value) + end if value else "[]"
    if safe and isinstance(value, str) and any(c in value for c in ",[]{}#:"):
        return "'" + value.replace("'", "''") + "'"  # flow plain scalars cannot hold these
    return scalar_text(draw, value, safe)


def flow_key(draw: st.DrawFn, key: str, safe: bool) -> str:
    return flow_text(draw, key, safe) if key else "''"


def block_lines(draw: st.DrawFn, value: Any, indent: int, step: int, safe: bool) -> list[str]:
    """``value`` as block lines at ``indent`` (a mapping or list), in a drawn style."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            head = f"{pad}{scalar_text(draw, key, safe) if key else chr(39) * 2}:"
            lines += _entry(draw, head, inner, indent, step, draw(st.booleans()), safe)
    else:
        for inner in value:
            head = f"{pad}-"
            if isinstance(inner, dict) and inner and draw(st.booleans()):
                nested = block_lines(draw, inner, indent + 2, step, safe)
                lines.append(head + " " + nested[0][indent + 2:])  # "- key: value"
                lines += nested[1:]
            else:
                lines += _entry(draw, head, inner, indent, step, False, safe)
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), pad + "# a comment")
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), "")
    return lines


def _entry(draw: st.DrawFn, head: str, value: Any, indent: int, step: int,
           indentless: bool, safe: bool) -> list[str]:
    comment = draw(st.sampled_from(["", "", "", " # note", "  #x"]))
    if isinstance(value, (dict, list)) and value and draw(st.integers(0, 3)):
        child = indent if indentless and isinstance(value, list) else indent + step
        return [head + comment, *block_lines(draw, value, child, step, safe)]
    if value is None and draw(st.booleans()):
        return [head + comment]
    return [f"{head} {flow_text(draw, value, safe)}{comment}"]


def _values(words: list[str], keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.sampled_from(words) | st.none(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(keys), inner, max_size=4),
        max_leaves=14)


def _roots(words: list[str], keys: list[str]) -> st.SearchStrategy[Any]:
    values = _values(words, keys)
    return st.dictionaries(st.sampled_from(keys), values, min_size=1, max_size=6) | \
        st.lists(values, min_size=1, max_size=4)


SAFE_ROOTS = _roots(SAFE_WORDS, SAFE_KEYS)
ANY_ROOTS = _roots(SAFE_WORDS + ODD_WORDS, SAFE_KEYS + ODD_KEYS)


@st.composite
def documents(draw: st.DrawFn, safe: bool | None = None) -> str:
    """YAML text in the styles people write; ``safe`` (drawn unless given): valid YAML."""
    if safe is None:
        safe = draw(st.booleans())
    step = draw(st.integers(1, 4))
    parts = []
    for index in range(draw(st.integers(1, 3))):
        lines = block_lines(draw, draw(SAFE_ROOTS if safe else ANY_ROOTS), 0, step, safe)
        marker = draw(st.sampled_from(["---", "--- # doc", "---  "]))
        if index or draw(st.integers(0, 3)) == 0:
            lines.insert(0, marker)
        parts += lines
    return "\n".join(parts) + draw(st.sampled_from(["\n", "", "\n\n", "\n# end\n"]))


@settings(max_examples=300 * SOAK, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_documents_read_the_same(text: str) -> None:
    assert_same(text)


@settings(max_examples=150 * SOAK, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(safe=True))
def test_valid_documents_mostly_take_the_plain_path(text: str) -> None:
    """Valid documents in the common styles: same answer, and (checked over the run below)
    read by the plain reader unless they use a quoted escape or a line over 1,000 characters."""
    read = assert_same(text)
    if ('\\' not in text and "K" * 150 not in text and '"' not in text
            and max(map(len, text.split("\n"))) <= 1000):
        assert read, text


NEAR = [*"ab :-#'\"[]{},&*!|>%@`?\\\t\r\n\x00\x85\u2028\ufeff~1.<=", "  ", "- ", ": ", " #", "---"]


@settings(max_examples=300 * SOAK, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_near_misses_read_the_same(text: str, data: st.DataObject) -> None:
    """One edit away from a valid document: the reader agrees with ruamel or steps aside."""
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(NEAR))
        if edit == "insert":
            text = text[:at] + piece + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + piece + text[at + 1:]
    assert_same(text)


def test_the_subset_is_what_package_files_use() -> None:
    """Common shapes take the plain path (or the speed-up would be lost without a failure)."""
    for text in ["name: Agency Onboarding\nsource: sandbox\n",
                 "# c\n---\na:\n  - {ID: x, name: Template 1 A}\n  - [a, b]\nb: 'it''s'\n",
                 "a:\n- x\n- y: 1\n  z: [1, 2.5, true, null]\nb: \"q\"\n",
                 "a: 1\n---\nb: 2\n", "- a\n-\n  - b\n"]:
        assert assert_same(text), text


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n", "a: |\n  x\n", "a: >\n  x\n",
    "a: b\n  c\n", 'a: "x\\ny"\n', "a:\tb\n", "a: b\r\n", "a: 1\na: 2\n", "? a\n: b\n",
    "%YAML 1.2\n---\na: 1\n", "a: 1\n...\n", "---\n", "a: 1\n---\n", "hello\n", "", "# c\n",
    "a: [b,\n  c]\n", "a: {b: 1,}\n", "a: =\n", "a: b: c\n", "a: x:\n", "a:\n  b: 1\n c: 2\n",
    "a: 'x' y\n", "a: [x]y\n", "- a\n  - b\n", "a: \x85\n", "a: \ufeffb\n",
    "k: " + "[" * 70 + "]" * 70 + "\n",
    "".join("  " * i + "k:\n" for i in range(70)) + "  " * 70 + "k: v\n",
    "k:\n" + "- " * 70 + "x\n"])
def test_the_reader_steps_aside(text: str) -> None:
    """Outside the subset, ruamel's path decides (and words every error)."""
    assert plainyaml.read(text) is None


@pytest.mark.parametrize("depth", [62, 63, 64, 65, 66])
@pytest.mark.parametrize("shape", ["block", "flow", "items", "mixed"])
def test_depth_limit_is_the_same(depth: int, shape: str) -> None:
    """Around MAX_DEPTH the reader accepts exactly what the builder accepts, or steps aside."""
    if shape == "block":
        text = "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "k: v\n"
    elif shape == "flow":
        text = "k: " + "[" * depth + "x" + "]" * depth + "\n"
    elif shape == "items":
        text = "k:\n" + "- " * depth + "x\n"
    else:
        half = depth // 2
        text = "".join(" " * i + "k:\n" for i in range(half)) + " " * half + "k: " + \
            "[" * (depth - half) + "x" + "]" * (depth - half) + "\n"
    expected = by_ruamel(text)
    plain = plainyaml.read(text)
    if plain is not None:
        assert [(line, canon(data)) for line, data in plain] == expected
    if depth <= 62:  # well inside the limit: read without ruamel
        assert plain is not None


def test_documents_keep_positions_from_ruamel() -> None:
    """A document read by the plain reader still finds its positions (by composing again)."""
    (doc,) = sources.parse_yaml("a:\n  b: [1, {c: x}]\n", "f.yaml")
    assert doc.positions.values[("a", "b", 1, "c")] == (2, 14)
    assert doc.positions.keys[("a", "b")] == (2, 3)


@settings(max_examples=60 * SOAK, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_same_answer_with_the_pure_parser(text: str) -> None:
    """Without the C extension ruamel's pure parser composes; the reader still agrees."""
    with pure_parser():
        for _, example in yaml_texts()[:20]:
            assert_same(example)
        assert_same(text)
