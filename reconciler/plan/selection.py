"""--target / --exclude: fnmatch globs on package names, applied to both sides alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Selection:
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.targets or self.excludes)

    def includes(self, name: str) -> bool:
        if self.targets and not any(fnmatchcase(name, g) for g in self.targets):
            return False
        return not self.excludes or not any(fnmatchcase(name, g) for g in self.excludes)

    def unmatched(self, names: Iterable[str]) -> list[str]:
        """One warning per glob that matches none of ``names``: a typo in --target would
        otherwise read as a clean "No changes."."""
        pool = set(names)
        return [f"--{flag} {glob!r} matches no package"
                for flag, globs in (("target", self.targets), ("exclude", self.excludes))
                for glob in dict.fromkeys(globs)
                if not any(fnmatchcase(name, glob) for name in pool)]

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
