"""Reading YAML with ruamel: text composed into nodes, nodes built into plain values.

``sources`` reads every YAML text (and every JSON text, for positions and limits) through
this, and again when a document needs the positions of its values. The C parser composes
when installed (one composer class for every file); ruamel's pure-Python parser composes when
it is not, for documents that might nest deeper than the C parser's stack allows, and to word
every syntax error (its messages are the reported ones). The builder turns nodes into plain
Python data while enforcing the limits (nodes after alias expansion, depth, tags, duplicate
keys, surrogates), recording each value's position when asked.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from typing import Any

from reconciler.desired.positions import (
    DEPTH_HINT,
    MAX_DEPTH,
    MAX_NODES,
    SURROGATE,
    SURROGATE_HINT,
    KeyPath,
    Positions,
    SourceError,
    located,
)
from reconciler.errors import Location

log = logging.getLogger(__name__)

_CORE = "tag:yaml.org,2002:"
# The plain YAML types; timestamps are kept as the text written (every field is a string).
_ALLOWED_TAGS = frozenset(_CORE + t for t in (
    "str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge"))
# "\ud800" escapes decode to half of a UTF-16 pair, which no UTF-8 output can carry.
_SURROGATES = re.compile("[\ud800-\udfff]")


def compose(text: str, shown: str) -> list[Any]:
    """Every document of ``text`` as a node tree; SourceError (at file:line:col, in plain
    words) when it is not YAML."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    if _nesting_bound(text) < _C_SAFE_DEPTH:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _compose_fast(text)
        except YAMLError:
            pass  # ask the pure-Python (YAML 1.2) parser, whose verdict and message we report
    try:
        with warnings.catch_warnings():
            # ruamel warns about a reused anchor, quoting the file's text: never print that.
            warnings.simplefilter("ignore")
            return list(_parser(fast=False).compose_all(text))
    except RecursionError:
        raise too_deep(text, shown) or SourceError(
            f"document nested deeper than {MAX_DEPTH} levels", hint=DEPTH_HINT,
            location=Location(shown)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        # Only the parser's own words: the snippet it would quote could hold a secret.
        detail = exc.problem or exc.context or "invalid YAML"
        parser_says = f"{detail} ({exc.context})" if exc.context and exc.problem else detail
        log.info("%s: the YAML parser says: %s", where.prefix(), parser_says)
        message, hint = plain_yaml_error(detail, exc.context, text,
                                         mark.line if mark else None)
        raise SourceError(f"YAML syntax error: {message}", hint=hint, location=where) from None
    except ReaderError as exc:  # a control character YAML does not allow
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise SourceError(f"character {code:#04x} is not allowed in YAML",
                          hint="remove the control character",
                          location=located(shown, text, exc.position)) from None
    except YAMLError as exc:
        raise SourceError(f"YAML error: {type(exc).__name__}", location=Location(shown)) \
            from None


def too_deep(text: str, shown: str) -> SourceError | None:
    """The error for the first value of ``text`` nested deeper than MAX_DEPTH, at its line and
    column (where the builder would report it), or None if there is none before the end or
    the first syntax error.

    For a document too deep to compose (the composer recurses per level): the parser's events
    come one at a time, and counting the collections they open needs no recursion.
    """
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (
        CollectionEndEvent,
        CollectionStartEvent,
        MappingStartEvent,
        NodeEvent,
    )

    # One entry per open collection: -1 for a list, else how many keys and values of the
    # mapping came so far (an even count: the next node is a key, which has no depth limit).
    open_: list[int] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for event in _parser(fast=False).parse(text):
                if isinstance(event, CollectionEndEvent):
                    open_.pop()
                    continue
                if not isinstance(event, NodeEvent):
                    continue
                key = bool(open_) and open_[-1] >= 0 and open_[-1] % 2 == 0
                if open_ and open_[-1] >= 0:
                    open_[-1] += 1
                if not key and len(open_) > MAX_DEPTH:
                    mark = event.start_mark
                    return SourceError(f"document nested deeper than {MAX_DEPTH} levels",
                                       hint=DEPTH_HINT,
                                       location=Location(shown, mark.line + 1,
                                                         mark.column + 1))
                if isinstance(event, CollectionStartEvent):
                    if key:
                        return None  # a list or mapping as a key: refused by the builder
                    open_.append(0 if isinstance(event, MappingStartEvent) else -1)
    except (YAMLError, RecursionError):
        return None
    return None


_GENERIC_HINT = "check the indentation (spaces, not tabs), quotes, brackets and ':' near here"
_PLAIN = (  # (words of the parser, plain message, hint); first match wins
    ("undefined alias", "an alias (*name) names no anchor (&name) above it",
     "define the anchor with &name before using *name, or write the value out"),
    ("expected ',' or ']'", "a list in [ ] is not closed",
     "add the missing ']' (or a ',' between items)"),
    ("expected ',' or '}'", "a mapping in { } is not closed",
     "add the missing '}' (or a ',' between entries)"),
    ("mapping values are not allowed", "a ':' where YAML does not expect one",
     "quote a value that contains ': ', or put the key on its own line with the right "
     "indentation"),
    ("could not find expected ':'", "a key without its ':'",
     "write `key: value`, or quote the text if it is not a key"),
    ("expected <block end>", "the indentation does not line up with the lines above",
     "indent keys of the same mapping by the same number of spaces"),
    ("did not find expected key", "the indentation does not line up with the lines above",
     "indent keys of the same mapping by the same number of spaces"),
    ("did not find expected '-'", "a list item is indented differently from the items above",
     "start every item of one list at the same column"),
    ("found duplicate anchor", "the same anchor (&name) is defined twice",
     "give each anchor its own name"),
)


def plain_yaml_error(problem: str, context: str | None, text: str,
                     line: int | None) -> tuple[str, str]:
    """The parser's phrase in plain words, with a hint; the phrase itself is logged under -v."""
    lines = text.splitlines()
    indent = lines[line][: len(lines[line]) - len(lines[line].lstrip(" \t"))] \
        if line is not None and line < len(lines) else ""
    if "'\\t'" in problem or "\t" in problem or "\t" in indent:
        return "tabs cannot indent YAML; use spaces", \
            "replace the tab characters at the start of the line with spaces"
    if context and "quoted scalar" in context:
        return "a quoted value is never closed", \
            "add the closing quote (\" or ') at the end of the value"
    for words, message, hint in _PLAIN:
        if words in problem:
            return message, hint
    return problem, _GENERIC_HINT if not context else f"{context}; {_GENERIC_HINT}"


# The C composer recurses on the C stack and crashes (rather than raising) on documents nested
# tens of thousands deep; above this bound the pure parser is used, which raises RecursionError.
_C_SAFE_DEPTH = 1_000
_BLOCK_PREFIX = re.compile(r"(?m)^[ \t?:-]*")
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _nesting_bound(text: str) -> int:
    """An upper bound on how deeply ``text`` nests: block indicators plus open brackets."""
    if 2 * len(text) < _C_SAFE_DEPTH:  # neither can exceed the text's length
        return 2 * len(text)
    block = max(map(len, _BLOCK_PREFIX.findall(text)), default=0)
    if text.count("[") + text.count("{") < _C_SAFE_DEPTH:
        return block + text.count("[") + text.count("{")
    depth = deepest = 0
    for char in _NOT_BRACKET.sub("", text):
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return block + deepest


_PARSERS: dict[bool, Any] = {}
_FAST: list[Any] = []  # the one C composer class, made on first use


def _compose_fast(text: str) -> list[Any]:
    """Every document's node tree by the C parser, or the pure one when the C one is absent.

    One composer class and one resolver serve every file: ruamel's ``compose_all`` builds a
    class, a constructor and a resolver per call, which was most of its cost per small file.
    """
    if not _FAST:
        _FAST.append(_fast_composer_class())
    composer_class = _FAST[0]
    if composer_class is None:
        return list(_parser(fast=True).compose_all(text))
    composer = composer_class(text)
    try:
        nodes = []
        while composer.check_node():
            nodes.append(composer.get_node())
        return nodes
    finally:
        composer.dispose()


def _compiled_pattern(regexp: Any) -> Any:
    """The ``re.Pattern`` behind one of ruamel's lazily compiled patterns (or the pattern)."""
    if isinstance(regexp, re.Pattern):
        return regexp
    return re.compile(regexp.pattern, regexp.flags)


def _fast_composer_class() -> Any:
    try:
        from ruamel.yaml.cyaml import CParser
    except ImportError:  # no C extension: ruamel's pure parser, through the same YAML object
        return None
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from ruamel.yaml.resolver import BaseResolver
    from ruamel.yaml.tag import Tag

    probe = _resolver_class()(loadumper=None)
    # ruamel compiles its patterns lazily behind a proxy; the compiled patterns themselves
    # are used here (a proxy costs an attribute lookup in Python per match).
    rules = {first: tuple((tag, _compiled_pattern(regexp)) for tag, regexp in found)
             for first, found in probe.versioned_resolver.items()}
    anywhere = rules.get(None, ())
    tags: dict[str, Any] = {}
    seen: dict[str, Any] = {}  # plain scalar -> its tag: keys and common values repeat

    class _Composer(CParser):
        """The C parser composing nodes, resolving plain scalars by YAML 1.2 rules (the rules
        ruamel's VersionedResolver uses for 1.2, looked up without building a resolver)."""

        def resolve(self, kind: Any, value: str, implicit: Any) -> Any:
            if kind is ScalarNode:
                if implicit[0]:
                    known = seen.get(value)
                    if known is not None:
                        return known
                    resolved: Any = BaseResolver.DEFAULT_SCALAR_TAG
                    for tag, regexp in rules.get(value[0] if value else "", ()) + anywhere:
                        if regexp.match(value):
                            resolved = tags.get(tag)
                            if resolved is None:
                                resolved = tags[tag] = Tag(suffix=tag)
                            break
                    if len(seen) >= 4096:
                        seen.clear()
                    seen[value] = resolved
                    return resolved
                return BaseResolver.DEFAULT_SCALAR_TAG
            if kind is SequenceNode:
                return BaseResolver.DEFAULT_SEQUENCE_TAG
            if kind is MappingNode:
                return BaseResolver.DEFAULT_MAPPING_TAG
            return None

        def descend_resolver(self, parent: Any, index: Any) -> None:
            return None  # no path resolvers are registered

        def ascend_resolver(self) -> None:
            return None

    return _Composer


def _parser(*, fast: bool) -> Any:
    from ruamel.yaml import YAML

    if fast not in _PARSERS:
        yaml = YAML(typ="safe", pure=not fast)
        yaml.Resolver = _resolver_class()
        _PARSERS[fast] = yaml
    return _PARSERS[fast]


def _resolver_class() -> type:
    """ruamel's resolver, pinned to YAML 1.2 with its rules looked up once, not per scalar
    (that lookup was a sixth of the time spent validating a thousand files)."""
    from ruamel.yaml.resolver import VersionedResolver

    class Resolver12(VersionedResolver):
        @property
        def processing_version(self) -> Any:
            return (1, 2)

        @property
        def versioned_resolver(self) -> Any:
            rules = self.__dict__.get("_rules")
            if rules is None:
                rules = self.__dict__["_rules"] = super().versioned_resolver
            return rules

    return Resolver12


_MERGE = _CORE + "merge"


def _tag(node: Any) -> str:
    """``str(node.tag)`` without its three property calls (the tag objects cache the text)."""
    return str(node.ctag.trval)


class Builder:
    """Turns composed nodes into plain data, recording positions and enforcing the limits."""

    def __init__(self, shown: str, *, record: bool = True) -> None:
        self.shown = shown
        self.positions = Positions()
        self.record = record  # positions are recorded only when asked for (Document)
        self.count = 0

    def _fail(self, message: str, node: Any, hint: str | None = None) -> SourceError:
        mark = node.start_mark
        return SourceError(message, hint=hint,
                           location=Location(self.shown, mark.line + 1, mark.column + 1))

    def build(self, node: Any, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._fail(f"document expands to more than {MAX_NODES} values "
                             "(an alias bomb?)", node, "do not nest aliases (*name)")
        if len(path) > MAX_DEPTH:
            raise self._fail(f"document nested deeper than {MAX_DEPTH} levels", node,
                             DEPTH_HINT)
        tag = _tag(node)
        if tag not in _ALLOWED_TAGS:
            raise self._fail(f"tag '{tag.replace(_CORE, '!!')}' is not allowed", node,
                             "remove the tag: only plain strings, numbers, booleans, null, "
                             "lists and mappings are accepted")
        if self.record:
            self.positions.values[path] = (node.start_mark.line + 1,
                                           node.start_mark.column + 1)
        if node.id == "mapping":
            return self._mapping(node, path)
        if node.id == "sequence":
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return _scalar(tag, self._text(node))

    def _text(self, node: Any) -> str:
        """The scalar's text, with escaped UTF-16 pairs (JSON's "\\ud83d\\ude00") joined."""
        text: str = node.value
        if text.isascii() or not _SURROGATES.search(text):
            return text
        try:
            return text.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise self._fail(SURROGATE, node, SURROGATE_HINT) from None

    def _mapping(self, node: Any, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        merged: list[Any] = []
        for key_node, value_node in node.value:
            key_tag = _tag(key_node)
            if key_tag == _MERGE:
                merged.append(value_node)
                continue
            if key_node.id != "scalar":
                raise self._fail("mapping keys must be plain strings", key_node,
                                 "write the key as text ('? [a, b]' keys are not accepted)")
            if key_tag not in _ALLOWED_TAGS:
                raise self._fail(f"tag '{key_tag.replace(_CORE, '!!')}' is not "
                                 "allowed", key_node, "remove the tag")
            key = sys.intern(self._text(key_node))  # one string per key name, not per file
            line = key_node.start_mark.line + 1
            if key in seen:
                raise self._fail(f"duplicate key '{key}': line {line} repeats the key "
                                 f"first given on line {seen[key]}", key_node,
                                 "keep one of the two")
            seen[key] = line
            if self.record:
                self.positions.keys[(*path, key)] = (line, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, (*path, key))
        for source in merged:  # YAML merge keys (<<): explicit keys win
            for item in source.value if source.id == "sequence" else [source]:
                if item.id != "mapping":
                    raise self._fail("a merge key (<<) needs a mapping", item,
                                     "merge an anchored mapping: <<: *defaults")
                for key, value in self._mapping(item, path).items():
                    out.setdefault(key, value)
        return out


# Integers with a base prefix, signed or not, as ruamel's resolver writes them (YAML 1.2 has
# only unsigned 0o and 0x; ruamel adds 0b and signs: `+0b11` is the integer 3, as ruamel's
# own constructor reads it).
_PREFIXED = tuple(sign + base for sign in ("", "+", "-") for base in ("0x", "0o", "0b"))


def _scalar(tag: str, text: str) -> Any:
    """The Python value of a scalar with a core tag."""
    kind = tag[len(_CORE):]
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        digits = text.replace("_", "")
        try:
            if digits.lower().startswith(_PREFIXED):
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
