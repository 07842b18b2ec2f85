"""The plain subset of YAML that package files are written in, read without a YAML library.

Almost every package file is block mappings and lists of one-line values: keys, plain scalars,
simply quoted strings and one-line flow collections (``[preview]``, ``{ID: ..., name: ...}``).
``read`` turns such a text straight into plain Python data, with exactly the values ruamel's
composer and ``composer.Builder`` give it (YAML 1.2 scalars, resolved by ruamel's own rules,
copied below and compared with ruamel's by a test).

Anything outside the subset (tags, anchors and aliases, merge keys, block or multi-line
scalars, escapes, tabs, control characters, duplicate keys, deep nesting, a very large file,
a document ``...``/``%`` marker, anything that might be a syntax error) makes ``read`` return
None, and the caller composes the text with ruamel as before: every message for bad input
comes from that path, unchanged. Positions are not recorded here: a document finds them on
demand by composing its text with ruamel (``sources.Document.positions``).
"""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 64  # sources.MAX_DEPTH: deeper documents go to the path that reports them

_CORE = "tag:yaml.org,2002:"

# ruamel.yaml's implicit resolvers for YAML 1.2 (ruamel/yaml/resolver.py), in its order:
# (tag, pattern, flags, the first characters a plain scalar must start with to be tried).
# tests/foundation/test_foundation_plainyaml.py checks this table against ruamel's own.
_FLOAT = '''^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$'''
_INT = '''^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$'''
_NULL = '''^(?: ~
        |null|Null|NULL
        | )$'''
_TIMESTAMP = '''^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$'''
RULES_12: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    (_CORE + "bool", "^(?:true|True|TRUE|false|False|FALSE)$", re.X, tuple("tTfF")),
    (_CORE + "float", _FLOAT, re.X, tuple("-+0123456789.")),
    (_CORE + "int", _INT, re.X, tuple("-+0123456789")),
    (_CORE + "merge", "^(?:<<)$", 0, ("<",)),
    (_CORE + "null", _NULL, re.X, ("~", "n", "N", "")),
    (_CORE + "timestamp", _TIMESTAMP, re.X, tuple("0123456789")),
    (_CORE + "value", "^(?:=)$", 0, ("=",)),
    (_CORE + "yaml", "^(?:!|&|\\*)$", 0, tuple("!&*")),
)


def _firsts() -> dict[str, tuple[tuple[str, str, int], ...]]:
    table: dict[str, list[tuple[str, str, int]]] = {}
    for tag, pattern, flags, firsts in RULES_12:
        for first in firsts:
            table.setdefault(first, []).append((tag, pattern, flags))
    return {first: tuple(rules) for first, rules in table.items()}


# first character of a plain scalar ('' for the empty one) -> (tag, pattern, flags) to try
RULES_BY_FIRST = _firsts()
STR_TAG = _CORE + "str"
ALLOWED_TAGS = frozenset(_CORE + t for t in (
    "str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge"))
_KEY_TAGS = ALLOWED_TAGS - {_CORE + "merge"}
# first character -> its rules as one pattern, compiled on first use (compiling them all
# would cost every run a few milliseconds)
_JOINED: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {}


def _joined(first: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The rules for ``first`` as one pattern of alternatives, one group each: the first
    alternative that matches is the first rule that matches (one call, not three). The rules'
    patterns have no groups of their own, and share their flags (a test checks both)."""
    rules = RULES_BY_FIRST[first]
    joined = re.compile("|".join(f"({pattern})" for _, pattern, _ in rules), rules[0][2])
    _JOINED[first] = found = (joined, tuple(tag for tag, _, _ in rules))
    return found


def resolve(text: str) -> str:
    """The tag of a plain scalar by YAML 1.2's rules (as ruamel resolves it)."""
    first = text[:1]
    if first not in RULES_BY_FIRST:
        return STR_TAG
    pattern, tags = _JOINED.get(first) or _joined(first)
    match = pattern.match(text)
    return STR_TAG if match is None else tags[match.lastindex - 1]  # type: ignore[operator]


def scalar(tag: str, text: str) -> Any:
    """The Python value of a scalar with a core tag."""
    kind = tag[len(_CORE):]
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        digits = text.replace("_", "")
        try:
            if digits.lower().startswith(("0x", "+0x", "-0x", "0o", "+0o", "-0o", "0b")):
                return int(digits, 0)
            return int(digits, 10)
        except ValueError:
            return text
    if kind == "float":
        low = text.lower().lstrip("+")
        if low in (".inf", "-.inf", ".nan"):
            return float(low.replace(".", ""))
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text  # str, and timestamps kept as written (every field here is a string)


class _Unsupported(Exception):
    """Outside the subset: the caller composes the text with ruamel."""


_BLOCK = object()  # a key or item whose value is on the lines below (or null)
_KEY, _ITEM, _VALUE = 0, 1, 2

# Characters the subset does without: tab, carriage return and the other control characters,
# line breaks other than "\n" (YAML also breaks lines at U+0085, U+2028 and U+2029), the
# byte-order mark, surrogates and the two non-characters U+FFFE and U+FFFF.
_OUTSIDE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# One line: its indentation, list items ("- "), a key and the rest. A key is a plain word
# (letters, digits, '_', '$', '.', '/', '-' and inner spaces) or a one-line quoted string with
# no escape, then ':' and a space or the end of the line.
_LINE = re.compile(r"(?m)^( *)((?:-(?: +|$))*)"
                   r"""(?:([\w$](?:[\w$./ -]{0,198}[\w$./-])?|'(?:[^'\n]|''){0,200}'"""
                   r"""|"[^"\\\n]{0,200}"):(?: +|$))?(.*)$""")
_DASH = re.compile("-")
_MARKER = re.compile(r"--- *(?: #.*)?")  # a document start with nothing after it
# Characters that cannot start a plain scalar here ('-' can, before a digit or '.').
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_TAIL = re.compile(r" *(?: #.*)?")  # what may follow a value on its line
_SPACES = re.compile(" *")
# One-level [ ] and { } of plain scalars, read by splitting at the commas.
_NOT_FLAT = re.compile("[][{}#]")
_FLAT_START = r"""(?:[^-?:,\[\]{}#&*!|>'"%@`\s]|-(?=[0-9.]))"""
# (The text up to its last non-space character, then spaces: linear, where a lazy `*?`
# before ` *` backtracks quadratically on a long run of spaces.)
_FLAT_ITEM = re.compile(rf" *({_FLAT_START}(?:[^:]*[^: ])?) *")
_FLAT_PAIR = re.compile(rf" *({_FLAT_START}(?:[^:]*[^: ])?) *: +({_FLAT_START}(?:[^:]*[^: ])?) *")
# A line this long may hold an implicit key over YAML's 1,024 characters (inside { } too),
# which YAML refuses: such a text is left to ruamel, as is any text over 200,000 characters.
_LONG_LINE = re.compile("(?m)^[^\n]{1001}")  # tried at line starts only: linear
_NUMBER_STARTS = frozenset("0123456789.")
# A plain scalar inside [ ] or { }: no ':', '#', bracket or comma in it at all.
_FLOW_PLAIN = re.compile(_FLAT_START + r"[^,\[\]{}#:]*")

_MEMO: dict[str, Any] = {}  # plain scalar -> its value: many values repeat across files


def read(text: str) -> list[tuple[int, Any]] | None:
    """Each document's (1-based line where it starts, data), or None if ``text`` is not
    entirely in the subset (then ruamel composes it, and reports what is wrong)."""
    # Every value starts at its own character, so a text shorter than MAX_NODES
    # (sources.MAX_NODES, 200,000) cannot hold more values than that: no alias, no bomb.
    if len(text) >= 200_000 or _OUTSIDE.search(text) or _LONG_LINE.search(text):
        return None
    try:
        heights: list[int] = []  # how deeply each [ ]/{ } value nests
        documents = _documents(text, heights)
        # Every value must sit at most MAX_DEPTH levels deep, a flow's inner values included.
        limit = MAX_DEPTH - max(heights, default=0)
        out = []
        for tokens in documents:
            data, end = _node(tokens, 0, 0, limit)
            if end != len(tokens):
                return None
            out.append((tokens[0][1], data))
        return out or None
    except _Unsupported:
        return None


Token = tuple[int, int, int, Any, Any]  # indent, line, kind, key, value


def _documents(text: str, heights: list[int]) -> list[list[Token]]:
    """The text's lines as tokens, one list per document."""
    docs: list[list[Token]] = []
    tokens: list[Token] = []
    marker = False  # a '---' whose document has no content yet
    append = tokens.append
    for number, (spaces, dashes, key, rest) in enumerate(_LINE.findall(text), 1):
        if dashes:  # list items, "- " (several on one line for a list in a list)
            column = len(spaces)
            if dashes.count("-") == 1:
                append((column, number, _ITEM, None, _BLOCK))
            else:
                if dashes.count("-") > MAX_DEPTH:
                    raise _Unsupported
                for dash in _DASH.finditer(dashes):
                    append((column + dash.start(), number, _ITEM, None, _BLOCK))
            column += len(dashes)
            if key:
                if key[0] in "'\"":
                    key = _unquote(key)
                append((column, number, _KEY, key,
                        _BLOCK if not rest or rest[0] == "#" else _inline(rest, heights)))
            elif rest and rest[0] != "#":
                append((column, number, _VALUE, None, _inline(rest, heights)))
        elif key:
            if key[0] in "'\"":
                key = _unquote(key)
            append((len(spaces), number, _KEY, key,
                    _BLOCK if not rest or rest[0] == "#" else _inline(rest, heights)))
        elif not rest or rest[0] == "#":
            continue  # a blank line or a comment
        elif not spaces and rest[:3] == "---" and _MARKER.fullmatch(rest) and not marker:
            if tokens:
                docs.append(tokens)
                tokens = []
                append = tokens.append
            marker = True
            continue
        else:
            raise _Unsupported  # '...', '--- value', an empty document, or not a key or item
        marker = False
    if marker:
        raise _Unsupported
    if tokens:
        docs.append(tokens)
    return docs


def _unquote(key: str) -> str:
    """A quoted key's text (a single-quoted one has its '' turned into ')."""
    return key[1:-1].replace("''", "'") if key[0] == "'" else key[1:-1]


def _node(tokens: list[Token], i: int, depth: int, limit: int) -> tuple[Any, int]:
    indent, _, kind, _, value = tokens[i]
    if kind == _VALUE:
        return value, i + 1
    if kind == _KEY:
        return _mapping(tokens, i, indent, depth, limit)
    return _sequence(tokens, i, indent, depth, limit)


def _mapping(tokens: list[Token], i: int, indent: int, depth: int,
             limit: int) -> tuple[dict[str, Any], int]:
    if depth >= limit:
        raise _Unsupported
    out: dict[str, Any] = {}
    count = len(tokens)
    while i < count:
        at, _, kind, key, value = tokens[i]
        if at != indent:
            if at < indent:
                break
            raise _Unsupported  # deeper than the keys: a continuation or a mistake
        if kind != _KEY or key in out:
            raise _Unsupported  # an item among keys, or a duplicate key (reported later)
        i += 1
        if value is _BLOCK:
            if i < count and tokens[i][0] > indent:
                value, i = _node(tokens, i, depth + 1, limit)
            elif i < count and tokens[i][0] == indent and tokens[i][2] == _ITEM:
                value, i = _sequence(tokens, i, indent, depth + 1, limit)  # "key:\n- item"
            else:
                value = None  # "key:" alone: the empty plain scalar, null
        out[key] = value
    return out, i


def _sequence(tokens: list[Token], i: int, indent: int, depth: int,
              limit: int) -> tuple[list[Any], int]:
    if depth >= limit:
        raise _Unsupported
    out: list[Any] = []
    count = len(tokens)
    while i < count:
        at, _, kind, _, _ = tokens[i]
        if at != indent:
            if at < indent:
                break
            raise _Unsupported
        if kind != _ITEM:
            break  # a key after "key:\n- item" lines; anything else fails above
        i += 1
        if i < count and tokens[i][0] > indent:
            value, i = _node(tokens, i, depth + 1, limit)
        else:
            value = None  # "-" alone
        out.append(value)
    return out, i


def _inline(rest: str, heights: list[int]) -> Any:
    """The value written after 'key: ' or '- ' (``rest`` starts with no space)."""
    first = rest[0]
    if first not in _INDICATORS or (first == "-" and rest[1:2] in _NUMBER_STARTS):
        cut = rest.find(" #")  # a plain scalar, up to a comment
        text = (rest if cut < 0 else rest[:cut]).rstrip(" ")
        if ": " in text or text[-1] == ":":
            raise _Unsupported  # YAML refuses a ':' there
        return _plain(text) if text[0] in RULES_BY_FIRST else text
    value: Any
    if first in "[{":
        value, end, height = _flat(rest) if first == "{" else _flat_list(rest)
        if value is None:
            value, end, height = _flow(rest, 0, 0)
        heights.append(height)
    elif first == "'":
        match = _SINGLE.match(rest)
        if match is None:
            raise _Unsupported
        value, end = match.group(1).replace("''", "'"), match.end()
    elif first == '"':
        match = _DOUBLE.match(rest)
        if match is None:
            raise _Unsupported
        value, end = match.group(1), match.end()
    else:
        raise _Unsupported  # an anchor, alias, tag, block scalar or other indicator
    if _TAIL.fullmatch(rest, end) is None:
        raise _Unsupported
    return value


def _plain(text: str) -> Any:
    """The value of a plain scalar (not empty)."""
    if text[0] not in RULES_BY_FIRST:
        return text  # no rule can match: a string
    value = _MEMO.get(text, _BLOCK)
    if value is _BLOCK:
        tag = resolve(text)
        if tag not in ALLOWED_TAGS:
            raise _Unsupported  # e.g. '=': refused, with its message, by the other path
        value = scalar(tag, text)
        if len(_MEMO) >= 4096:
            _MEMO.clear()
        _MEMO[text] = value
    return value


def _flat(text: str) -> tuple[dict[str, Any] | None, int, int]:
    """``{key: value, ...}`` of plain scalars (the common case), or (None, 0, 0)."""
    end = text.find("}")
    inner = text[1:end]
    if end < 0 or _NOT_FLAT.search(inner):
        return None, 0, 0
    out: dict[str, Any] = {}
    if inner.strip(" "):
        for part in inner.split(","):
            pair = _FLAT_PAIR.fullmatch(part)
            if pair is None:
                return None, 0, 0
            key, value = pair.groups()
            if key in out or resolve(key) not in _KEY_TAGS:
                raise _Unsupported  # a duplicate, or a merge key '<<' or '='
            out[key] = _plain(value)
    return out, end + 1, 1


def _flat_list(text: str) -> tuple[list[Any] | None, int, int]:
    """``[value, ...]`` of plain scalars (the common case), or (None, 0, 0)."""
    end = text.find("]")
    inner = text[1:end]
    if end < 0 or _NOT_FLAT.search(inner):
        return None, 0, 0
    out: list[Any] = []
    if inner.strip(" "):
        for part in inner.split(","):
            item = _FLAT_ITEM.fullmatch(part)
            if item is None:
                return None, 0, 0
            out.append(_plain(item.group(1)))
    return out, end + 1, 1


def _flow(text: str, pos: int, depth: int) -> tuple[Any, int, int]:
    """A [ ] or { } collection on one line starting at ``pos``: (value, end, height)."""
    if depth >= MAX_DEPTH:
        raise _Unsupported
    close = "]" if text[pos] == "[" else "}"
    out: Any = {} if close == "}" else []
    height = 1
    pos = _SPACES.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos:pos + 1] == close:
        return out, pos + 1, height
    while True:
        key = None
        if close == "}":
            key, quoted, pos = _flow_text(text, pos)
            if key in out or (not quoted and resolve(key) not in _KEY_TAGS):
                raise _Unsupported  # a duplicate, or a merge key '<<' or '='
            if text[pos:pos + 2] != ": ":
                raise _Unsupported
            pos = _SPACES.match(text, pos + 2).end()  # type: ignore[union-attr]
        if text[pos:pos + 1] in ("[", "{"):
            value, pos, inner = _flow(text, pos, depth + 1)
            height = max(height, inner + 1)
        else:
            raw, quoted, pos = _flow_text(text, pos)
            value = raw if quoted else _plain(raw)
        if key is None:
            out.append(value)
        else:
            out[key] = value
        pos = _SPACES.match(text, pos).end()  # type: ignore[union-attr]
        sep = text[pos:pos + 1]
        if sep == close:
            return out, pos + 1, height
        if sep != ",":
            raise _Unsupported
        pos = _SPACES.match(text, pos + 1).end()  # type: ignore[union-attr]
        if text[pos:pos + 1] in ("]", "}", ""):
            raise _Unsupported  # a trailing comma: left to ruamel


def _flow_text(text: str, pos: int) -> tuple[str, bool, int]:
    """A scalar inside [ ] or { } at ``pos``: (its text, whether quoted, end)."""
    first = text[pos:pos + 1]
    if first == "'":
        match = _SINGLE.match(text, pos)
        if match is None:
            raise _Unsupported
        return match.group(1).replace("''", "'"), True, match.end()
    if first == '"':
        match = _DOUBLE.match(text, pos)
        if match is None:
            raise _Unsupported
        return match.group(1), True, match.end()
    match = _FLOW_PLAIN.match(text, pos)
    if match is None:
        raise _Unsupported
    return match.group().rstrip(" "), False, match.end()
