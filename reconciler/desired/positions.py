"""Where a value sits in a file the user wrote, and the error raised for a file that cannot be
read as data.

Shared by ``sources`` (reading files, documents) and ``composer`` (ruamel's nodes built into
plain values), which both need the limits, the key paths and ``SourceError``; neither imports
the other's names back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.errors import Location, Problem, WfpromoteError

MAX_NODES = 200_000
MAX_DEPTH = 64

KeyPath = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line, 1-based column

SURROGATE = "string holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape)"
DEPTH_HINT = "package files need only a few levels; flatten the document"
SURROGATE_HINT = "write the character itself, or escape both halves of the pair"


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


def located(shown: str, text: str, offset: int) -> Location:
    """The 1-based line and column of the character at ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return Location(shown, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)
