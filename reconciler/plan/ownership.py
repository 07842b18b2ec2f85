"""The ownership marker: the last line of a package description written by this tool.

    managed-by: wfpromote owner=<owner> digest=<sha256 of the declared content> [revision=<n>]
        [prior=<key>,<key>,...] [rollback=<env key>,<env key>,...]

``revision`` is written only for a package that declares one (``revision:``), so a raised
revision can be reported as "revision 3 -> 4".

``prior`` is written when new content replaces old content in place (a PUT or a
re-assembling PATCH keeps the package id, and under ``api: 2023`` its ``version`` too): the
keys (:func:`installation_key`) of the installations the package already had. Those hold
earlier content; every other installation of the package was made while the marker said
``digest``, so an install counts as done only when it is not prior (``plan.installs``).

``rollback`` is written when a rollback re-uses this package (an earlier version, DISABLED,
made ACTIVE again because the files declare its content once more, docs/rollback.md): the
keys (:func:`environment_key_short`) of the environments a later version went to, which hold
that later content, so an install of this package there overwrites what the pre-run
matches. It stays while the package is the declared one.

Words of the form ``key=value`` after the known ones are read past (a later release may
write more): the marker is still recognised, and the next write drops them.

Only packages carrying this repository's marker are ever disabled, deleted or replaced. The
marker is stripped before descriptions are compared, so it never shows up as a change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.domain.remote import environment_key

PREFIX = "managed-by: wfpromote"
MARKER_WORD = "wfpromote"  # every line either expression below matches holds it
_MARKER = re.compile(
    r"^\s*managed-by:\s*wfpromote\s+owner=(?P<owner>.+?)\s+digest=(?P<digest>[0-9a-fA-F]{64})"
    r"(?:\s+revision=(?P<revision>\d{1,18}))?"
    r"(?:\s+prior=(?P<prior>[0-9a-f]{8}(?:,[0-9a-f]{8})*))?"
    r"(?:\s+rollback=(?P<rollback>[0-9a-f]{8}(?:,[0-9a-f]{8})*))?"
    r"(?:\s+[a-z][a-z0-9_-]*=\S*)*\s*$")
# The same marker at the end of a line that holds text before it: a service that stores
# descriptions on one line turns our "\n\n" separator into spaces.
_TAIL = re.compile(
    r"\s(managed-by:\s*wfpromote\s+owner=\S+\s+digest=[0-9a-fA-F]{64}"
    r"(?:\s+revision=\d{1,18})?(?:\s+prior=[0-9a-f,]+)?(?:\s+[a-z][a-z0-9_-]*=\S*)*)\s*$")


@dataclass(frozen=True)
class Marker:
    owner: str
    digest: str
    revision: int | None = None
    prior: frozenset[str] = frozenset()    # installation keys of earlier content
    rollback: frozenset[str] = frozenset()  # re-used by a rollback: environment keys where
                                            # its installs overwrite

    def line(self) -> str:
        tail = f" revision={self.revision}" if self.revision is not None else ""
        if self.prior:
            tail += f" prior={','.join(sorted(self.prior))}"
        if self.rollback:
            tail += f" rollback={','.join(sorted(self.rollback))}"
        return f"{PREFIX} owner={self.owner} digest={self.digest}{tail}"


def environment_key_short(url: str) -> str:
    """The short key the marker records an environment by (its host, as compared)."""
    return installation_key(environment_key(url) or "")


def installation_key(installation_id: str) -> str:
    """The short key the marker records an installation by (whatever shape its id has)."""
    return hashlib.sha256(installation_id.strip().lower().encode()).hexdigest()[:8]


def _lines(description: str | None) -> list[str]:
    text = (description or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def split_marker(description: str | None) -> tuple[Marker | None, str]:
    """The marker on the last non-blank line (if that line is one), and the description
    without it and without trailing blank lines: both from one reading of the lines."""
    lines = _lines(description)
    match = None
    if lines and MARKER_WORD in lines[-1]:  # no marker without it: skip the expressions
        match = _MARKER.match(lines[-1])
        if match is not None:
            lines.pop()
        elif (tail := _TAIL.search(lines[-1])) is not None:
            match = _MARKER.match(tail.group(1))
            lines[-1] = lines[-1][:tail.start()]
    marker = None
    if match is not None:
        revision = int(match["revision"]) if match["revision"] is not None else None
        prior = frozenset(match["prior"].split(",")) if match["prior"] else frozenset()
        marker = Marker(match["owner"].strip(), match["digest"].lower(), revision, prior,
                        frozenset(match["rollback"].split(",")) if match["rollback"]
                        else frozenset())
    return marker, "\n".join(lines).rstrip()


def parse_marker(description: str | None) -> Marker | None:
    """The marker on the last non-blank line, if that line is one."""
    return split_marker(description)[0]


def strip_marker(description: str | None) -> str:
    """The description without a trailing marker line (and without trailing blank lines)."""
    return split_marker(description)[1]


def with_marker(description: str | None, owner: str, digest: str,
                revision: int | None = None, prior: Iterable[str] = (),
                rollback: Iterable[str] = ()) -> str:
    """The description to send: the user's text, a blank line, then the marker."""
    if not owner.strip() or any(ch in owner for ch in "\r\n"):
        raise ValueError(f"owner {owner!r} cannot be written into a marker")
    body = strip_marker(description).strip()
    marker = Marker(owner.strip(), digest.lower(), revision, frozenset(prior),
                    frozenset(rollback)).line()
    return f"{body}\n\n{marker}" if body else marker
