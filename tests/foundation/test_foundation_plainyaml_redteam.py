"""Red-team tests for the plain-YAML reader (``reconciler.desired.plainyaml``).

The contract: whenever ``plainyaml.read`` returns documents they are exactly what the ruamel path
(``composer.compose`` + ``composer.Builder``) gives: the same number of documents, the same start
lines and the same values, types included; and whenever the ruamel path refuses a text (syntax
error, duplicate key, tag, alias, limits, ...) ``read`` returns None, so that the ruamel path
words the error.

This file holds
- the discrepancies found, each with its exact text, as strict xfails: they fail loudly (XPASS)
  once the reader is fixed, and the marker can then be removed;
- a hand-written list of awkward texts on which the two paths must agree (or the reader steps
  aside);
- differential tests on generated texts (lines from a grammar of YAML pieces, templates filled
  with random scalars, nested block trees), each also run through ruamel's pure-Python parser
  (``plain_vs_ruamel.pure_parser``);
- the resolver compared with ruamel's on random strings.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plain_vs_ruamel import by_plain, by_ruamel

from reconciler.desired import composer, plainyaml, sources


def agree(text: str, *, pure: bool = False) -> bool:
    """Assert the contract on ``text`` (against ruamel's pure parser with ``pure``); True if
    the reader read it itself."""
    plain = by_plain(text)
    if plain is None:
        return False
    theirs = by_ruamel(text, pure=pure)
    assert plain == theirs, f"plainyaml={plain!r:.400}\nruamel={theirs!r:.400}"
    return True


# --- the discrepancies found ---------------------------------------------------------------

# YAML forbids an implicit key longer than 1024 characters (counted from the key's first
# character to its ':'), and both of ruamel's parsers refuse one in a flow mapping ("a mapping in
# { } is not closed"). The reader limits block keys (to ~200 characters) but not keys in { }:
# both its _flat (plain pairs) and _flow (nested or quoted) readers accept any length.
K = "k" * 1025
LONG_FLOW_KEYS = {
    "flat-plain-1025": "a: {" + K + ": v}\n",
    "flat-plain-spaces-before-colon": "a: {" + "k" * 1020 + "     : v}\n",
    "flat-second-pair": "a: {b: 1, " + K + ": v}\n",
    "flat-multibyte": "a: {" + "\u00e9" * 1025 + ": v}\n",
    "flow-single-quoted": "a: {'" + "k" * 1023 + "': v}\n",
    "flow-double-quoted": 'a: {"' + "k" * 1023 + '": v}\n',
    "flow-plain-with-nested-value": "a: {" + K + ": [v]}\n",
    "flow-plain-after-nested": "a: {b: [1], " + K + ": v}\n",
    "in-list": "a: [{" + K + ": v}]\n",
    "in-mapping": "a: {x: {" + K + ": v}}\n",
    "item": "- {" + K + ": v}\n",
}


@pytest.mark.parametrize("text", list(LONG_FLOW_KEYS.values()), ids=list(LONG_FLOW_KEYS))
def test_long_flow_mapping_keys_step_aside(text: str) -> None:
    assert by_ruamel(text)[0] == "error"  # the ruamel path refuses every one of these
    assert by_ruamel(text, pure=True)[0] == "error"
    assert plainyaml.read(text) is None


def test_long_flow_mapping_key_is_reported_by_parse_yaml() -> None:
    """What the discrepancy does to a user: the file is read without complaint, and the syntax
    error only surfaces later, from whatever asks for a position (Document.positions)."""
    text = "name: x\nsource: sandbox\nextra: {" + K + ": v}\n"
    with pytest.raises(sources.SourceError, match="YAML syntax error"):
        sources.parse_yaml(text, "f.yaml")


@pytest.mark.parametrize("text", [
    "a: {" + "k" * 1024 + ": v}\n",  # exactly at the limit: valid, read the same
    "a: {" + "k" * 1020 + "    : v}\n",
    "a: {'" + "k" * 1022 + "': v}\n",
    "a: {b: " + "v" * 3000 + "}\n",  # long values are fine
    "a: [" + "v" * 3000 + ", w]\n",
])
def test_flow_keys_up_to_the_limit_read_the_same(text: str) -> None:
    agree(text)
    agree(text, pure=True)


# --- awkward texts: the reader agrees or steps aside ------------------------------------------

NASTY = [
    # YAML 1.2 scalar resolution
    *(f"a: {v}\n" for v in [
        "yes", "no", "on", "off", "y", "n", "Yes", "NO", "0o17", "0O17", "0x1F", "0X1F", "0x1f",
        "0b101", "-0b101", "+0b1", "1_000", "1__0", "_1", "1_", "+_", "._", "0b_", "0o_", "0x_",
        ".5", "-.5", "+.5", "5.", "1.e3", "1e3", "1E+3", "1e-3", "1e", "1.5e", "+.inf", "-.Inf",
        ".INF", "+.INF", ".nan", ".NaN", "-.NaN", "+.nan", "nan", "inf", "~", "Null", "NULL",
        "nULL", "null", "true", "True", "TRUE", "tRUE", "false", "2001-12-14",
        "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-1-1", "12:30",
        "1:20:30", "=", "<<", "<", "==", "007", "-0", "+0", "-0.0", "0.0", "00", "08", "0o8",
        "1" * 30, "1" * 5000, "9" * 4301, "0x" + "f" * 4000, "1.0" + "0" * 400, "-", "+", "."]),
    # keys that look like other things (kept as text)
    "1: a\n", "01: a\n1: b\n", "true: x\n", "null: y\n", "2001-01-01: x\n", "0x1F: a\n",
    ".5: a\n", "a.b: 1\n", "$ref: x\n", "_: x\n", "'<<': {a: 1}\n", '"<<": x\n', "'=': x\n",
    "'': x\n", "'': x\n\"\": y\n", "a: 1\n'a': 2\n", "'a''b': 1\n\"a'b\": 2\n",
    "{a: 1}\n", "{<<: x}\n", "a: {<<: {b: 1}}\n", "a: {=: 1}\n", "a: {'<<': 1}\n",
    "a: {~: 1, null: 2}\n", "a: {1: x, 01: y}\n", "? x\n", "? x\n: y\n",
    # quoting
    "a: 'it''s'\n", "a: ''''\n", "a: ''\n", 'a: ""\n', "a: 'x' y\n", 'a: "x" y\n',
    "a: 'x'#c\n", "a: 'x' #c\n", "a: 'x'  \n", "a: 'a\\b'\n", 'a: "a\\nb"\n', 'a: "a\\\\"\n',
    "a: 'x'' #c\n", "a: 'x'''\n", "a: 'x\n", 'a: "x\n', "a: x'y\n", 'a: x"y\n', "a: 'x':\n",
    "'a: b': c\n", "'a #b': c\n", "'a' : b\n", "'a':b\n", "\"a\\\"b\": c\n",
    # comments and colons
    "a: b#c\n", "a: b #c\n", "a: b  #c\n", "a: #c\n", "a:#c\n", "- #c\n", "- a #c\n",
    "a: b # c: d\n", "url: http://x.example:8080/p?q=1#frag\n", "a: b: c\n", "a:b\n",
    "a:b: c\n", "a: b:\n", "a: b :\n", "a: b :c\n", "a: x::y\n", "a: :x\n", "a: ::\n",
    "a: b:\u00a0c\n", "a: b\u00a0#c\n", "a b: c\n", "a  b: c\n", "a -: c\n", "a - b: c\n",
    "a ?: c\n", "a?: c\n", "a : b\n",
    # trailing spaces, CRLF, BOM, tabs, control characters, line separators
    "a: b   \n", "a:   \n", "a: b\r\n", "a: b\r", "\ufeffa: b\n", "a: \ufeffb\n", "a:\tb\n",
    "a: b\tc\n", "\ta: b\n", "a:\n\t- x\n", "a: b\x00\n", "a: b\x7f\n", "a: b\x85c\n",
    "a: b\u2028c\n", "a: b\u2029c\n", "a: \ud800\n", "a: \ufffe\n", "a: \uffff\n",
    "a: \U0001fffe\n", "a: \ufdd0\n",
    # unicode
    "a: caf\u00e9\n", "caf\u00e9: a\n", "\u043a\u043b\u044e\u0447: x\n", "\u0661: x\n",
    "\u00aa: x\n", "\u00b2: x\n", "e\u0301: x\n", "\U0001d49c: x\n", "a: \U0001f600\n",
    "\U0001f600: x\n", "a\U0001f600: x\n", "a: \u00a0b\n", "a: \u3000\n", "\u3000a: b\n",
    "a: [\U0001f600, \u00e9]\n", "a: {\u00e9: \U0001f600}\n",
    # special first characters
    *(f"a: {c}x\n" for c in "@`%|>!&*-?:,[]{}#'\"~<=\\"),
    *(f"- {c}x\n" for c in "@`%|>!&*-?:,[]{}#'\"~<=\\"),
    *(f"a: [{c}x]\n" for c in "@`%|>!&*-?:,#'\"~<=\\"),
    "a: -1\n", "a: -.5\n", "a: -.\n", "a: -x\n", "a: - x\n", "a: -\n", "- -1\n", "- - x\n",
    "a: ---\n", "a: ...\n", "- ...\n", "a: |\n  x\n", "a: >-\n  x\n", "a: &x 1\nb: *x\n",
    "a: !!str 1\n", "a: !x 1\n",
    # empty values and lists
    "a:\n", "a:\nb:\n", "a:\n- x\n", "a:\n- x\nb: 1\n", "a:\n  - x\n  b: 1\n", "-\n", "- \n",
    "-\n-\n", "- -\n", "- - -\n", "-\n  a: 1\n", "-\n a: 1\n", "- a: 1\n  b: 2\n",
    "- a: 1\n b: 2\n", "- a: 1\n   b: 2\n", "-   a: 1\n    b: 2\n", "- a:\n  - x\n  b: 1\n",
    "- a:\n- x\n", "- - x\n  - y\n", "- - x\n - y\n", "-  - x\n   - y\n", "- x\n  - y\n",
    "- x\n  y\n", "- x\ny\n", "a:\n- b:\n  - c\n", "a:\n  b:\n  - c\n- d\n",
    "a:\n    b: 1\n  c: 2\n", "a:\n  b: 1\n c: 2\n", "  a: 1\nb: 2\n", "  a: 1\n  b: 2\n",
    "a: b\n  c\n", "a: b\n  c: d\n", "a: b\n  - c\n", "a:\n  b\n", "a: [x]\n  - y\n",
    "a: 'x'\n  b: 1\n", "a: b\nc\n", "a: 1\n- x\n", "- x\na: 1\n",
    # flow collections
    "a: [a, b]\n", "a: [a,b]\n", "a: [ a , b ]\n", "a: [a, [b]]\n", "a: {a: 1}\n",
    "a: {a:1}\n", "a: {a : 1}\n", "a: {a :1}\n", "a: {'a':1}\n", '{"a":1}\n', 'a: {"a":1}\n',
    "a: {a: [1, 2]}\n", "a: [a,]\n", "a: {a: 1,}\n", "a: []\n", "a: {}\n", "a: [ ]\n",
    "a: { }\n", "a: [,]\n", "a: [a: b]\n", "a: [a:b]\n", "a: {a: http://x}\n",
    "a: [http://x]\n", "a: {a: b: c}\n", "a: {a: }\n", "a: {a}\n", "a: {a, b: 1}\n",
    "a: [a]x\n", "a: [a]#c\n", "a: [a] #c\n", "a: [a]]\n", "a: {a: b}}\n", "a: [a, b'] #']\n",
    "a: [a, 'b] #']\n", "a: {a: '}'}\n", "a: [a, ']']\n", "a: {a: b'} #'}\n", "a: [a ? b]\n",
    "a: [a ?]\n", "a: [?]\n", "a: {a ? b: c}\n", "a: [a - b, a -]\n", "a: [a #b]\n",
    "a: [a#b]\n", "a: [a &b, c *d, e !f]\n", "a: [a, a]\n", "a: {a: 1, a: 2}\n",
    "a: {a: 1, 'a': 2}\n", "a: [{a: 1}, {a: 1}]\n", "a: [[[]]]\n", "a: [{}]\n",
    "a: [-1, -.5, -.]\n", "a: [-x]\n", "a: [- 1]\n", "a: [.]\n", "a: [<<, =]\n",
    "a: [1, 2.5, true, null, ~, 0o17, .nan]\n", "a: [b,\n  c]\n", "a: {b: 1,\n  c: 2}\n",
    "[a]: b\n", "{a: 1}: b\n", "a: [a] [b]\n", "- [a]\n- {b: c}\n", "a: [ 'a' , \"b\" ]\n",
    "a: ['it''s']\n", "a: [\"a\\\"\"]\n",
    # document markers and directives
    "---\na: 1\n", "--- # c\na: 1\n", "---  \na: 1\n", "---#c\na: 1\n", "--- a\n",
    "--- a: 1\n", "----\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n---\n", "---\n---\na: 1\n",
    "a: 1\n...\n", "a: 1\n...\n---\nb: 2\n", "%YAML 1.1\n---\na: yes\n",
    "%YAML 1.2\n---\na: 1\n", "%TAG !x! tag:x,2000:\n---\na: 1\n", "# c\n---\na: 1\n",
    "a: 1\n# c\n---\n# d\nb: 2\n", "--- # c\n# d\n---\na: 1\n", "  ---\na: 1\n",
    "-\n---\n- x\n", "a:\n---\nb: 1\n", "---\n  a: 1\n", "---\n- a\n",
    # empty files
    "", "\n", "# only a comment\n", "  \n\n", "---\n", "--- # c\n", "...\n",
    # long keys in block context
    "k" * 200 + ": v\n", "k" * 201 + ": v\n", "k" * 1100 + ": v\n", "'" + "k" * 200 + "': v\n",
    "- " + "k" * 1100 + ": v\n", "k" * 1025 + ":\n",
    # around the depth limit (64): block keys, items, flows and mixes, in later documents too
    *("".join(" " * i + "k:\n" for i in range(d)) + " " * d + "k: v\n" for d in (63, 64)),
    *("k:\n" + "- " * d + "x\n" for d in (62, 63, 64)),
    *("k: " + "[" * d + "]" * d + "\n" for d in (63, 64)),
    *("".join(" " * i + "k:\n" for i in range(d)) + " " * d + "k: [[x]]\n" for d in (61, 62)),
    *("".join(" " * i + "k:\n" for i in range(d)) + " " * d + "k: []\n" for d in (62, 63)),
    *("a: 1\n---\n" + "- " * d + "{k: v}\n" for d in (62, 63)),
]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_texts_agree_or_step_aside(text: str) -> None:
    agree(text)


@pytest.mark.parametrize("text", NASTY[::3])
def test_nasty_texts_agree_with_the_pure_parser(text: str) -> None:
    agree(text, pure=True)


# --- generated texts -----------------------------------------------------------------------

SCALARS = [
    "a", "b c", "1", "-1", "0o17", "0x1F", "0b11", "-0b1", "1_000", ".5", "1e3", "+.inf",
    "-.NaN", ".nan", "~", "null", "Null", "true", "True", "yes", "off", "2024-01-01",
    "2024-1-1 1:00:00", "=", "<<", "<", "1.", "-.", "._", "+_", "007", "12:30", "a:b", "a#b",
    "a #b", "http://x", "a, b", "a]", "a}", "a[", "a{", "\u00e9", "\U0001f600", "\u00a0",
    "a'b", 'a"b', "a?", "?a", "a:", "a: b", "-a", "- a", "-", ".", "...", "---", "a - b",
    "a&b", "a|b", "\\", "x  y", "'a'", "''", "'it''s'", '"a"', '""', "'a' b", "'a", '"a',
    "[a]", "[a, b]", "[a,b]", "[]", "{}", "{a: 1}", "{a: 1, b: 2}", "{a:1}", "[a: b]",
    "[a, [b]]", "{a: [1, 2]}", "[a,]", "{a: 1,}", "[ ]", "[,]", "['a', \"b\"]", "{'a': b}",
    "{'a':b}", "[a]x", "[a] #c", "{a: b}}", "[-1, -.5]", "[<<]", "{<<: a}", "{=: a}", "{a}",
    "{a: }", "{ a : b }", "{a: b c}", "[a b]", "[.]", "{~: a}", "{1: a}",
    "[1, 2.5, true, null]", "{a: {b: {c: d}}}", "[[[]]]", "[{a: b}, c]", "#c", "a #c",
    "'a' #c", "'a'#c", "&a x", "*a", "!t x", "|", ">", "%x", "@x", "`x", ",x",
    "{a: 1, a: 2}", "{'a': 1, a: 2}", "k" * 40, "{" + "k" * 1000 + ": v}",
]
KEYS = [
    "a", "b", "a b", "1", "true", "null", "~", "<<", "=", "$k", "_k", "k.v", "k/v", "k-v", "k -",
    "'a'", '"a"', "'a''b'", "''", '""', "'a: b'", "'<<'", "'#'", "\u00e9", "\u0661", "K" * 200,
    "K" * 201, "a:b", "-a", "?", "? a", "[a]", "{a}", "a#b", "2024-01-01", "0x1F", ".5", "\u00aa",
    "e\u0301", "\U0001f600", "a\u00a0b", "a'b",
]
CHARS = [*"ab :-#'\"[]{},&*!|>%@`?\\~1.<=0xe+_/$", "\u00a0", "\u00e9", "\U0001f600", "\u3000",
         "  ", ": ", " #", "''", "0o", "1e", ".inf", "null", "true", "\t", "\r", "\x85", "\ufeff"]
random_scalars = st.lists(st.sampled_from(CHARS), min_size=1, max_size=8).map("".join)
scalars = st.sampled_from(SCALARS) | random_scalars
keys = st.sampled_from(KEYS) | random_scalars


@st.composite
def soup_lines(draw: st.DrawFn) -> str:
    """One line from the pieces: indentation, dashes, a key, a value, a comment."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(["---", "--- # c", "--- ", "...", "--- a", "%YAML 1.1",
                                     "# c", "", "  # c", "----"]))
    indent = " " * draw(st.sampled_from([0, 0, 0, 1, 2, 2, 3, 4, 6]))
    dashes = draw(st.sampled_from(["", "", "", "- ", "-  ", "- - ", "-"]))
    key = draw(st.one_of(st.just(""), keys.map(lambda k: k + ":")))
    value = draw(st.one_of(st.just(""), scalars))
    if dashes == "-" and (key or value):
        dashes = "- "
    space = " " if key and value else ""
    tail = draw(st.sampled_from(["", "", "", " ", " # c", "#c"]))
    return indent + dashes + key + space + value + tail


TEMPLATES = [
    "a: {s}\n", "- {s}\n", "{s}: a\n", "- {s}: a\n", "a: [{s}]\n", "a: [{s}, b]\n",
    "a: {{{s}: b}}\n", "a: {{b: {s}, c: d}}\n", "a: [[{s}]]\n", "a: [{{{s}: b}}]\n",
    "a: {{b: [{s}]}}\n", "{s}: {s}\n", "- - {s}\n", "a:\n  {s}: b\n", "a:\n- {s}\n",
    "a: '{s}'\n", 'a: "{s}"\n', "'{s}': a\n", "a: {s} # c\n", "a: b\n{s}: c\n", "{s}\n",
    "---\n{s}\n", "{s}: a\n---\n{s}: b\n", "a: [{s}] #c\n", "- {{{s}: a}}\n",
]


@st.composite
def block_text(draw: st.DrawFn, indent: int = 0, depth: int = 0) -> list[str]:
    """A block mapping or list (consistent indentation, drawn steps) of drawn scalars."""
    step = draw(st.sampled_from([1, 2, 2, 4]))
    lines: list[str] = []
    pad = " " * indent
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            key = draw(keys)
            kind = draw(st.integers(0, 4)) if depth < 3 else 0
            if kind <= 1:
                lines.append(f"{pad}{key}: {draw(scalars)}")
            elif kind == 2:
                lines.append(f"{pad}{key}:")
            elif kind == 3:
                lines += [f"{pad}{key}:", *draw(block_text(indent + step, depth + 1))]
            else:  # a list at the key's own indentation
                lines.append(f"{pad}{key}:")
                lines += [f"{pad}- {draw(scalars)}" for _ in range(draw(st.integers(1, 2)))]
    else:
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.integers(0, 3)) if depth < 3 else 0
            if kind <= 1:
                lines.append(f"{pad}- {draw(scalars)}")
            elif kind == 2:
                lines.append(f"{pad}-")
            else:
                inner = draw(block_text(indent + 2, depth + 1))
                lines += [f"{pad}- {inner[0][indent + 2:]}", *inner[1:]]
    return lines


@st.composite
def texts(draw: st.DrawFn) -> str:
    shape = draw(st.integers(0, 2))
    if shape == 0:
        text = "\n".join(draw(st.lists(soup_lines(), min_size=1, max_size=6)))
    elif shape == 1:
        text = draw(st.sampled_from(TEMPLATES)).format(s=draw(scalars))
    else:
        docs = draw(st.lists(block_text(), min_size=1, max_size=2))
        text = "\n---\n".join("\n".join(doc) for doc in docs)
    text += draw(st.sampled_from(["\n", "", "\n\n"]))
    return text


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(), st.integers(0, 4))
def test_generated_texts_agree_or_step_aside(text: str, which: int) -> None:
    agree(text, pure=which == 0)  # one in five against ruamel's pure parser


@st.composite
def numberish(draw: st.DrawFn) -> str:
    pieces = ["2001", "-", "12", "14", "T", "t", " ", "21", ":", "59", ".10", "Z", "+05:00", "1",
              "_", "0x", "0o", "0b", "e", "E", "+", ".", "inf", "nan", "NaN", "Inf", "null", "~",
              "true", "<<", "=", "!", "&", "*", "y", "\t"]
    if draw(st.booleans()):
        return "".join(draw(st.lists(st.sampled_from(pieces), max_size=10)))
    return draw(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20))


@pytest.fixture(scope="module")
def ruamel_resolve() -> Any:
    from ruamel.yaml.nodes import ScalarNode

    resolver = composer._resolver_class()(loadumper=None)
    return lambda text: str(resolver.resolve(ScalarNode, text, (True, False)))


@settings(max_examples=1000, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=numberish())
def test_resolve_matches_ruamels_resolver(ruamel_resolve: Any, text: str) -> None:
    assert plainyaml.resolve(text) == ruamel_resolve(text)
