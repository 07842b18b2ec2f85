"""--target / --exclude: fnmatch globs on package names, applied to both sides alike.

Globs and names are compared in Unicode NFC, as names are matched (``canonical.name``): a
glob typed with "é" as one character selects a name written as "e" and a combining accent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase


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
        return ("partial plan: only packages " + " and ".join(parts)
                + " are considered; every other package is left as it is")
