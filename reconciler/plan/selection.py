"""--target / --exclude: fnmatch globs on package names, applied to both sides alike.

Globs and names are compared in Unicode NFC, as names are matched (``canonical.name``): a
glob typed with "é" as one character selects a name written as "e" and a combining accent.
"""

from __future__ import annotations

import ast
import io
import tokenize
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

WARNING_HEAD = "partial plan: only packages "
WARNING_TAIL = " are considered; every other package is left as it is"


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Selection:
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.targets or self.excludes)

    def includes(self, name: str) -> bool:
        name = _nfc(name)
        if self.targets and not any(fnmatchcase(name, _nfc(g)) for g in self.targets):
            return False
        return not self.excludes or not any(fnmatchcase(name, _nfc(g)) for g in self.excludes)

    def unmatched(self, names: Iterable[str]) -> list[str]:
        """One warning per glob that matches none of ``names``: a typo in --target would
        otherwise read as a clean "No changes."."""
        pool = {_nfc(name) for name in names}
        return [f"--{flag} {glob!r} matches no package"
                for flag, globs in (("target", self.targets), ("exclude", self.excludes))
                for glob in dict.fromkeys(globs)
                if not any(fnmatchcase(name, _nfc(glob)) for name in pool)]

    def warning(self) -> str | None:
        if not self.active:
            return None
        parts = []
        if self.targets:
            parts.append("matching " + ", ".join(repr(g) for g in self.targets))
        if self.excludes:
            parts.append("not matching " + ", ".join(repr(g) for g in self.excludes))
        return WARNING_HEAD + " and ".join(parts) + WARNING_TAIL


def parse_warning(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(targets, excludes) of a selection whose :meth:`Selection.warning` is ``text``; None
    when ``text`` is no such warning. A saved plan keeps its selection only in that warning
    (every reader of format 1.4 reads it); the result is checked by writing the warning again.
    """
    if not (text.startswith(WARNING_HEAD) and text.endswith(WARNING_TAIL)):
        return None
    middle = text[len(WARNING_HEAD):len(text) - len(WARNING_TAIL)]
    found: dict[str, list[str]] = {"targets": [], "excludes": []}
    into: list[str] | None = None
    negate = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(middle).readline):
            if token.type == tokenize.NAME and token.string == "not":
                negate = True
            elif token.type == tokenize.NAME and token.string == "matching":
                into, negate = found["excludes" if negate else "targets"], False
            elif token.type == tokenize.STRING and into is not None:
                value = ast.literal_eval(token.string)
                if not isinstance(value, str):
                    return None
                into.append(value)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    selection = Selection(tuple(found["targets"]), tuple(found["excludes"]))
    if selection.warning() != text:
        return None
    return selection.targets, selection.excludes
