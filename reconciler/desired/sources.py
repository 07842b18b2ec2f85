"""Reading the files users write: YAML and JSON documents with line/column positions.

Input is untrusted (it arrives in pull requests), so reading enforces limits before and while
parsing: a size cap, strict UTF-8, no tags beyond the plain YAML types, a cap on nodes after
alias expansion (the "billion laughs" bomb) and on nesting depth, and no duplicate keys.

Every YAML text is composed by ruamel.yaml and built into plain Python data by ``composer``,
which words every error; nothing is ever instantiated from a tag, and a document finds the
position of any value on demand (``Document.positions``, composing its text again).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from reconciler.desired import composer
from reconciler.desired.positions import (
    DEPTH_HINT,
    SURROGATE,
    SURROGATE_HINT,
    KeyPath,
    Positions,
    SourceError,
    located,
)
from reconciler.errors import Location

MAX_BYTES = 5 * 1024 * 1024


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
                node = composer.compose(self._text, self.file)[self.index]
                builder = composer.Builder(self.file, record=True)
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
    except RecursionError:  # JSON is YAML: the value too deep, at its line and column
        raise composer.too_deep(text, shown) or SourceError(
            "JSON nested too deeply", hint=DEPTH_HINT, location=Location(shown)) from None
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
        raise SourceError(SURROGATE, hint=SURROGATE_HINT, location=Location(shown)) from None
    return Document(shown, 0, 1, data, Positions())


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
    nodes = composer.compose(text, shown)
    docs = []
    for index, node in enumerate(nodes):
        data = composer.Builder(shown, record=False).build(node, ())
        docs.append(Document(shown, index, node.start_mark.line + 1, data, text=text))
    if not docs:
        raise SourceError("empty file", hint="remove the file or declare a package in it",
                          location=Location(shown))
    return docs
