"""Packages declared by value: the ``definition:`` file holding the ``packageEntities`` map.

The path is relative to the package file and must stay inside the repository, also after
following symbolic links: a pull request must not be able to make CI read files elsewhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, cast

from reconciler.desired.sources import (
    Document,
    SourceError,
    display_path,
    is_inside,
    read_documents,
)
from reconciler.errors import Problem

_OBJCODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def definition_target(ref: str, package_file: Path) -> Path:
    """The file a ``definition:`` names (lexically; links not followed)."""
    return Path(os.path.normpath(os.path.abspath(package_file.parent / ref)))


def load_definition(ref: str, doc: Document, package_file: Path,
                    root: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The packageEntities map of a package's definition file, or the problems with it."""
    where = doc.location(("definition",))
    if "\0" in ref:  # the OS cannot open it, and a terminal would not show it
        return None, [Problem("'definition' holds a NUL character", where,
                              "e.g. definition: agency.definition.json")]
    if Path(ref).is_absolute() or ref.startswith("~"):
        return None, [Problem("'definition' must be a path relative to the package file",
                              where, "e.g. definition: agency.definition.json")]
    target = definition_target(ref, package_file)
    if not is_inside(target, Path(os.path.abspath(root))):
        return None, [Problem(f"definition '{ref}' is outside the repository", where,
                              f"keep definition files under {root}")]
    if target.exists() and not is_inside(target.resolve(), root.resolve()):
        return None, [Problem(f"definition '{ref}' is a symbolic link that leads outside the "
                              "repository", where, f"keep definition files under {root}")]
    if not target.is_file():
        return None, [Problem(f"definition file '{ref}' not found", where,
                              f"expected it at {display_path(target)}")]
    if target == Path(os.path.normpath(os.path.abspath(package_file))):
        return None, [Problem("'definition' names the package file itself", where,
                              "point it at a separate JSON file, e.g. "
                              "agency.definition.json")]
    try:
        docs = read_documents(target, display_path(target))
    except SourceError as exc:
        return None, [exc.problem()]
    if len(docs) > 1:  # only one map can be the package's content
        return None, [Problem("a definition file must hold one document", docs[1].location(),
                              "remove the extra '---' documents")]
    return _entities(docs[0])


def _entities(doc: Document) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Accept either the bare map or ``{"packageEntities": {...}}`` (as the API returns it)."""
    data, base = doc.data, cast(tuple[str, ...], ())
    if isinstance(data, dict) and isinstance(data.get("packageEntities"), dict):
        data, base = data["packageEntities"], ("packageEntities",)
    if not isinstance(data, dict) or not data:
        return None, [Problem("a definition file must hold a non-empty map of objCode to a "
                              "list of records", doc.location(),
                              'e.g. {"GROUP": [{"id": "<32-hex ID>", "name": "Default Group"}]}')]
    problems = []
    for code, records in data.items():
        path = (*base, code)
        if not _OBJCODE.match(code):
            problems.append(Problem(f"'{code}' is not an objCode", doc.location(path, key=True),
                                    "keys are objCodes in capitals, e.g. TMPL, GROUP, TTSK"))
        if not isinstance(records, list):
            problems.append(Problem(f"'{code}' must be a list of records", doc.location(path),
                                    'e.g. "GROUP": [{"id": "<32-hex ID>", "name": "..."}]'))
            continue
        for i, record in enumerate(records):
            ident = record.get("id", record.get("ID")) if isinstance(record, dict) else None
            if not isinstance(ident, str) or not ident:
                problems.append(Problem("each record needs an 'id' (or 'ID')",
                                        doc.location((*path, i)),
                                        "copy the records as GET /packages/{id} returns "
                                        "them in packageEntities"))
    return (None, problems) if problems else (data, [])
