"""Package files → ``PackageSpec``: discovery, schema validation, definitions, cross-file checks.

Everything wrong is collected (not just the first problem) so one ``validate`` run shows it
all. ``load_packages`` is what the other commands call; it raises ``ValidationFailed``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from reconciler.desired.checks import Declared, check_all
from reconciler.desired.definitions import definition_target, load_definition
from reconciler.desired.schemas import problems_from_schema
from reconciler.desired.settings import LoadSettings
from reconciler.desired.sources import (
    Document,
    SourceError,
    check_inside_root,
    display_absolute,
    display_path,
    read_documents,
)
from reconciler.domain.declared import PackageSpec
from reconciler.errors import Location, Problem, ValidationFailed

PACKAGE_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_NAMES = ("wfpromote.yaml", "wfpromote.yml")
DEFINITION_SUFFIX = ".definition.json"
T = TypeVar("T")
_SKIPPED_DIRS = ("node_modules", "__pycache__")
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_packages(settings: LoadSettings, paths: Sequence[str] = ()) -> list[PackageSpec]:
    """The declared packages, sorted by name; ValidationFailed if anything is wrong."""
    return finish(loading(settings, paths))


def loading(settings: LoadSettings, paths: Sequence[str] = ()) -> Generator[
        None, None, list[PackageSpec]]:
    """``load_packages`` one file at a time: it yields after each file it reads or checks and
    returns the specs (or raises ValidationFailed), so a caller can do other work between
    files (``plan`` lets its listing request make progress)."""
    specs, problems, _ = yield from collecting(settings, paths)
    if problems:
        raise ValidationFailed(problems)
    return specs


def finish(steps: Generator[None, None, T]) -> T:
    """Run ``steps`` to its end and return what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast(T, done.value)


def collect(settings: LoadSettings, paths: Sequence[str] = ()) -> tuple[
        list[PackageSpec], list[Problem], int]:
    """(specs sorted by name, every problem sorted by place, number of package files read)."""
    return finish(collecting(settings, paths))


def collecting(settings: LoadSettings, paths: Sequence[str] = ()) -> Generator[
        None, None, tuple[list[PackageSpec], list[Problem], int]]:
    """``collect``, yielding after each file read and each document checked."""
    root = Path(settings.root)
    files, problems = discover(settings, paths)
    read: list[tuple[Path, list[Document]]] = []
    cwd = os.getcwd()
    for file in files:
        try:  # discover() gives absolute, normalised paths
            read.append((file, read_documents(file, display_absolute(os.fspath(file), cwd))))
        except SourceError as exc:
            problems.append(exc.problem())
        yield
    # A file some package names as its definition is data, not a package file.
    # (A file naming itself stays a package file, so the mistake is reported, not hidden.)
    # discover() gives absolute, normalised paths, as definition_target() does.
    referenced = {target for file, docs in read for doc in docs
                  if isinstance(doc.data, dict) and isinstance(doc.data.get("definition"), str)
                  and (target := definition_target(doc.data["definition"], file)) != file}
    if referenced:
        read = [(f, docs) for f, docs in read if f not in referenced]
    declared: list[Declared] = []
    for file, docs in read:
        for doc in docs:
            spec, found = _to_spec(doc, file, root)
            problems += found
            if spec is not None:
                declared.append((spec, doc))
            yield
    problems += check_all(settings, declared)
    problems.sort(key=lambda p: (p.location.file or "", p.location.line or 0,
                                 p.location.column or 0))
    specs = sorted((spec for spec, _ in declared), key=lambda s: s.name)
    return specs, problems, len(read)


def declared_digest(specs: Sequence[PackageSpec]) -> str:
    """sha256 of everything declared (per package: name, description, status, install and
    content), independent of file order: a saved plan made from other files is stale."""
    # json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False) of one
    # {name, description, status, install, content} object per package, written directly:
    # keys in sorted order, the content as the spec already wrote it for its own digest.
    entries = ",".join(
        f'{{"content":{s.content_json()},"description":{encode_basestring(s.description)},'
        f'"install":{_steps_json(s)},'
        f'"name":{encode_basestring(s.name)},"status":{encode_basestring(s.status.value)}}}'
        for s in sorted(specs, key=lambda s: s.name))
    return hashlib.sha256(f"[{entries}]".encode()).hexdigest()


def _steps_json(spec: PackageSpec) -> str:
    return _JSON.encode([step.model_dump(mode="json") for step in spec.install]) \
        if spec.install else "[]"


def _to_spec(doc: Document, file: Path, root: Path) -> tuple[PackageSpec | None, list[Problem]]:
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [Problem(f"a package must be a mapping of keys, not {kind}",
                              doc.location(), "see examples/promotions/packages/")]
    problems = problems_from_schema("package", doc)
    if problems:
        return None, problems
    data: dict[str, Any] = dict(doc.data)
    data.pop("$schema", None)  # for editors only
    if "definition" in data:
        content, problems = load_definition(data["definition"], doc, file, root)
        if problems:
            return None, problems
        data["definition_content"] = content
    data["origin"] = {"file": doc.file, "line": doc.line}  # a SourceRef, built by the model
    try:
        return PackageSpec.model_validate(data), []
    except ValidationError as exc:  # the schema should have caught it: report, don't crash
        return None, [Problem(err["msg"], doc.location(tuple(err["loc"])),
                              "see schemas/package.schema.json")
                      for err in exc.errors(include_input=False)]


def covers_packages(settings: LoadSettings, paths: Sequence[str] = ()) -> bool:
    """Whether a run over ``paths`` reads the whole packages folder: no PATHS, or a PATH that
    is the folder or contains it. Only such a run may prune what it does not find declared."""
    if not paths:
        return True
    folder = os.path.normcase(os.path.abspath(Path(settings.root) / settings.packages))
    for path in paths:
        start = os.path.normcase(os.path.abspath(path))
        if not Path(path).is_dir():
            continue
        try:
            if os.path.commonpath([start, folder]) == start:
                return True
        except ValueError:  # different drives on Windows
            continue
    return False


def discover(settings: LoadSettings, paths: Sequence[str] = ()) -> tuple[list[Path], list[Problem]]:
    """Package files under the given paths, or under the config's `packages` folder."""
    root = Path(settings.root)
    problems: list[Problem] = []
    files: list[Path] = []
    starts = [Path(p) for p in paths] or [root / settings.packages]
    for start in starts:
        shown = display_path(start)
        if not start.exists():
            if paths:
                problems.append(Problem("no such file or directory", Location(shown),
                                        "check the path" if not start.is_symlink() else
                                        "a symbolic link whose target is missing (or a loop)"))
            else:
                problems.append(Problem(
                    f"the packages folder {shown} does not exist",
                    Location(display_path(Path(settings.path)), path="$.packages"),
                    "create it, or set `packages:` in the configuration"))
            continue
        if os.path.abspath(start) == os.path.abspath(settings.path):
            problems.append(Problem("this is the configuration, not a package file",
                                    Location(shown), "name package files or folders"))
            continue
        try:
            check_inside_root(start, root, shown)
            # Anything but a folder is read as a file, which refuses FIFOs and devices.
            if start.is_dir():
                base = os.path.abspath(start)
                files.extend(map(Path, _walk(base, root, set(), _Shown(start, base))))
            else:
                files.append(Path(os.path.abspath(start)))
        except SourceError as exc:
            problems.append(exc.problem())
    unique = list(dict.fromkeys(files))
    return unique, problems


class _Shown:
    """How the user knows a path found below a folder they named: ``display_path`` of the
    folder as given joined with the rest (asked only for a message)."""

    def __init__(self, start: Path, base: str) -> None:
        self.start = start
        self.base = base

    def __call__(self, absolute: str) -> str:
        return display_path(self.start / os.path.relpath(absolute, self.base))


def _walk(folder: str, root: Path, seen: set[str], shown: _Shown) -> Iterator[str]:
    """Package files below ``folder`` (absolute, normalised) in a stable order, as absolute
    paths; links must stay in the repository.

    ``os.scandir`` knows each entry's type and joined path from the listing itself, so a plain
    file costs no extra system call and no path object (this runs once per file)."""
    real = os.path.realpath(folder)
    if real in seen:  # a link loop
        return
    seen.add(real)
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:  # e.g. permission denied
        raise SourceError(f"cannot read the folder: {exc.strerror or exc}",
                          location=Location(shown(folder))) from None
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name in _SKIPPED_DIRS:
            continue
        is_dir = _entry_is(entry.is_dir)
        if not is_dir and not _is_package_name(name):
            continue
        path = entry.path
        if _entry_is(entry.is_symlink):
            check_inside_root(Path(path), root, shown(path))
        if is_dir:
            yield from _walk(path, root, seen, shown)
        else:
            yield path


def _entry_is(test: Callable[[], bool]) -> bool:
    """``Path.is_dir()``'s answer from a directory entry: False when the target is missing,
    not a folder, or a link loop; other errors raised."""
    try:
        return test()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return False
        raise


def _is_package_name(name: str) -> bool:
    name = name.lower()
    return (name.endswith(PACKAGE_SUFFIXES) and name not in SKIPPED_NAMES
            and not name.endswith(DEFINITION_SUFFIX))
