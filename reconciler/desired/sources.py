"""Reading the files users write: YAML and JSON documents with line/column positions.

Input is untrusted (it arrives in pull requests), so reading enforces limits before and while
parsing: a size cap, strict UTF-8, no tags beyond the plain YAML types, a cap on nodes after
alias expansion (the "billion laughs" bomb) and on nesting depth, and no duplicate keys.

Documents are composed into nodes by ruamel.yaml (its C parser when installed, which is much
faster; the pure-Python parser otherwise and for a second opinion on errors) and turned into
plain Python data here, so every value's position is known and nothing is ever instantiated
from a tag.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.desired import plainyaml
from reconciler.errors import Location, Problem, WfpromoteError

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

KeyPath = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line, 1-based column

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = plainyaml.ALLOWED_TAGS


# "\ud800" escapes decode to half of a UTF-16 pair, which no UTF-8 output can carry.
_SURROGATES = re.compile("[\ud800-\udfff]")
_SURROGATE = "string holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape)"
_DEPTH_HINT = "package files need only a few levels; flatten the document"
_SURROGATE_HINT = "write the character itself, or escape both halves of the pair"


class SourceError(WfpromoteError):
    """A file that cannot be read as data; carries where and why."""

    def problem(self) -> Problem:
        return Problem(self.message, self.location or Location(), self.hint)


@dataclass
class Positions:
    """Where each value (and each mapping key) of one document sits in its file."""

    values: dict[KeyPath, Mark] = field(default_factory=dict)
    keys: dict[KeyPath, Mark] = field(default_factory=dict)

    def locate(self, path: KeyPath, *, key: bool = False) -> Mark | None:
        """The position of ``path`` (its key if asked and known), else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for n in range(len(path), -1, -1):
            mark = self.values.get(path[:n])
            if mark is not None:
                return mark
        return None


class Document:
    """One YAML/JSON document: its data and the positions of everything in it.

    Positions are only needed to point at a problem, and almost every document has none, so
    a YAML document keeps its file's text and finds them on first use by composing that text
    again (the same parser, the same answer): reading many files holds no position tables.
    """

    __slots__ = ("_positions", "_text", "data", "file", "index", "line")

    def __init__(self, file: str, index: int, line: int, data: Any,
                 positions: Positions | None = None, *, text: str | None = None) -> None:
        self.file = file  # path as shown to the user
        self.index = index  # 0-based position of the document in its file
        self.line = line  # 1-based line where the document starts
        self.data = data
        self._positions = positions
        self._text = text

    def __repr__(self) -> str:
        return f"Document({self.file!r}, {self.index}, {self.line}, {self.data!r})"

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions = Positions()
            if self._text is not None:
                node = _compose(self._text, self.file)[self.index]
                builder = _Builder(self.file, record=True)
                builder.build(node, ())
                self._positions = builder.positions
                self._text = None
        return self._positions

    def location(self, path: KeyPath = (), *, key: bool = False) -> Location:
        mark = self.positions.locate(path, key=key)
        line, column = mark if mark else (self.line, None)
        return Location(self.file, line, column, json_path(path) if path else None)


def json_path(path: KeyPath) -> str:
    """``$.objectCollections[0].entities[2].ID``; keys that are not identifiers are quoted."""
    out = "$"
    for part in path:
        if isinstance(part, str) and len(part) > 60:  # a runaway key would swamp the message
            part = part[:57] + "..."
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += "['" + part.replace("'", "\\'") + "']"
    return out


def display_path(path: Path) -> str:
    """A path as shown to the user: relative to the working directory when inside it, with
    '/' as separator on every platform (it lands in plans and pull-request comments)."""
    if os.sep == "/":  # the same answer by string operations: this runs once per file
        absolute, cwd = os.path.abspath(path), os.getcwd()
        if absolute == cwd:
            return "."
        prefix = cwd if cwd.endswith("/") else cwd + "/"
        return absolute[len(prefix):] if absolute.startswith(prefix) else str(path)
    try:  # links are not followed: the user knows the file by the name they gave
        shown = os.path.relpath(os.path.abspath(path), Path.cwd()) \
            if is_inside(Path(os.path.abspath(path)), Path.cwd()) else str(path)
    except ValueError:
        shown = str(path)
    return shown.replace(os.sep, "/")


def display_absolute(absolute: str, cwd: str) -> str:
    """``display_path`` of an absolute, normalised path, the working directory given: for the
    files a run reads, without asking the system for the working directory once per file."""
    if os.sep != "/":
        return display_path(Path(absolute))
    if absolute == cwd:
        return "."
    prefix = cwd if cwd.endswith("/") else cwd + "/"
    return absolute[len(prefix):] if absolute.startswith(prefix) else absolute


def is_inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def check_inside_root(path: Path, root: Path, shown: str) -> None:
    """Refuse a file inside the repository that is a symlink to somewhere outside it."""
    lexical = Path(os.path.abspath(path))
    real_root = root.resolve()
    if is_inside(lexical, Path(os.path.abspath(root))) and not is_inside(path.resolve(),
                                                                         real_root):
        raise SourceError("symbolic link that leads outside the repository",
                          hint=f"keep package files inside {root}",
                          location=Location(shown))


def read_text(path: Path, shown: str) -> str:
    """The file's text: at most MAX_BYTES, UTF-8 (a BOM is allowed), not empty."""
    name = os.fspath(path)
    try:  # os.stat, os.open and os.read: no file object per file (this runs once per file)
        info = os.stat(name)
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            # A FIFO or a device would block the read or never end.
            raise SourceError("not a regular file", hint="package files must be plain files",
                              location=Location(shown))
        size = info.st_size
        if size > MAX_BYTES:
            raise SourceError(f"file is too large ({size} bytes; the limit is {MAX_BYTES})",
                              hint="split it into several package files",
                              location=Location(shown))
        raw = _read_all(name, size)
    except FileNotFoundError:
        raise SourceError("no such file", location=Location(shown),
                          hint="a symbolic link whose target is missing" if path.is_symlink()
                          else "check the path") from None
    except IsADirectoryError:
        raise SourceError("is a directory, not a file", location=Location(shown)) from None
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}",
                          location=Location(shown)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                          hint="save the file as UTF-8",
                          location=Location(shown, line, column)) from None
    if not text.strip():
        raise SourceError("empty file", hint="remove the file or declare a package in it",
                          location=Location(shown))
    return text


_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _read_all(name: str, size: int) -> bytes:
    """Every byte of the file, read to its end (``size`` is what stat said: usually all)."""
    fd = os.open(name, os.O_RDONLY | _O_BINARY)
    try:
        raw = os.read(fd, size + 1)
        if raw:
            chunks = [raw]
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
            raw = b"".join(chunks) if len(chunks) > 1 else raw
        return raw
    finally:
        os.close(fd)


def read_documents(path: Path, shown: str) -> list[Document]:
    """Every document of a YAML file, or the one document of a JSON file (by extension)."""
    text = read_text(path, shown)
    if path.suffix.lower() == ".json":
        return [parse_json(text, shown)]
    return parse_yaml(text, shown)


def parse_json(text: str, shown: str) -> Document:
    try:
        loads_strict(text, shown)  # fast, and its syntax errors carry exact positions
    except json.JSONDecodeError as exc:
        raise SourceError(f"JSON syntax error: {exc.msg}",
                          hint="JSON allows no comments, trailing commas, single quotes or "
                               "NaN; a .json file holds one document",
                          location=Location(shown, exc.lineno, exc.colno)) from None
    except RecursionError:
        raise SourceError("JSON nested too deeply", hint=_DEPTH_HINT,
                          location=Location(shown)) from None
    # JSON is YAML 1.2: composing it again gives positions, duplicate keys and the limits.
    try:
        return parse_yaml(text, shown)[0]
    except SourceError as exc:
        if not exc.message.startswith("YAML syntax error"):
            raise
    # Valid JSON that YAML reads differently (e.g. a key over 1024 characters): no positions.
    data = json.loads(text, object_pairs_hook=_unique_pairs(shown))
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise SourceError(_SURROGATE, hint=_SURROGATE_HINT, location=Location(shown)) from None
    return Document(shown, 0, 1, data, Positions())


def located(shown: str, text: str, offset: int) -> Location:
    """The 1-based line and column of the character at ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return Location(shown, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


class NonFiniteNumber(ValueError):
    """JSON text holds NaN, Infinity or -Infinity, which JSON does not allow."""


def _no_constant(name: str) -> Any:
    raise NonFiniteNumber(name)


_NON_FINITE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def non_finite_error(text: str, shown: str) -> SourceError:
    """The error for a NaN/Infinity/-Infinity in JSON ``text``, at its line and column."""
    for match in _NON_FINITE.finditer(text):
        if match.group(1):
            return SourceError(f"JSON does not allow {match.group(1)}",
                               hint="write a number, or the value as a string in quotes",
                               location=located(shown, text, match.start(1)))
    return SourceError("JSON does not allow NaN or Infinity", location=Location(shown))


_LONG_INTEGER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?[0-9]+)')


def long_integer_error(text: str, shown: str) -> SourceError:
    """The error for an integer in JSON ``text`` too long for Python to convert (more than
    ``sys.get_int_max_str_digits()`` digits), at the line and column of the longest."""
    found = max((m for m in _LONG_INTEGER.finditer(text) if m.group(1)),
                key=lambda m: len(m.group(1)), default=None)
    if found is None:
        return SourceError("JSON number too long", location=Location(shown))
    return SourceError(f"JSON number too long ({len(found.group(1).lstrip('-'))} digits)",
                       hint="write a shorter number, or the value as a string in quotes",
                       location=located(shown, text, found.start(1)))


def loads_strict(text: str, shown: str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and -Infinity, and integers too long to
    convert, with their file:line:col."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except NonFiniteNumber:
        raise non_finite_error(text, shown) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise long_integer_error(text, shown) from None


def _unique_pairs(shown: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise SourceError(f"duplicate key '{key}'", location=Location(shown))
            out[key] = value
        return out

    return pairs


def parse_yaml(text: str, shown: str) -> list[Document]:
    plain = plainyaml.read(text)  # the common subset, without composing nodes
    if plain is not None:
        return [Document(shown, index, line, data, text=text)
                for index, (line, data) in enumerate(plain)]
    nodes = _compose(text, shown)
    docs = []
    for index, node in enumerate(nodes):
        data = _Builder(shown, record=False).build(node, ())
        docs.append(Document(shown, index, node.start_mark.line + 1, data, text=text))
    if not docs:
        raise SourceError("empty file", hint="remove the file or declare a package in it",
                          location=Location(shown))
    return docs


def _compose(text: str, shown: str) -> list[Any]:
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
        raise SourceError(f"document nested deeper than {MAX_DEPTH} levels",
                          hint=_DEPTH_HINT, location=Location(shown)) from None
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


class _Builder:
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
                             _DEPTH_HINT)
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
            raise self._fail(_SURROGATE, node, _SURROGATE_HINT) from None

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
            key = self._text(key_node)
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


_scalar = plainyaml.scalar
