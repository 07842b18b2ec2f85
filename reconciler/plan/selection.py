"""--target / --exclude: fnmatch globs on package names, applied to both sides alike."""

from __future__ import annotations

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
        return not any(fnmatchcase(name, g) for g in self.excludes)

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
