"""What the planner reads from one remote package, read once per planning run.

One plan asks several times about each remote package: is it ours (the marker), did its
assembly fail (the canonical status), which declared package is it (the canonical name), did
its description change, what was it before, what is its fingerprint. A :class:`Reading` holds
those answers, made by the functions the planner asked each time (``parse_marker`` and
``canonical.description`` in one pass: ``canonical.marker_and_description``;
``canonical.status``, ``status_name``, ``canonical.name``), so the answers are the same;
:class:`Readings` makes each package's reading on first use and hands it back after.

A ``Readings`` lives for one planning run over one listing (``run.planning.build_plan``
hands one to ``needs_detail``, ``needs_history`` and ``plan``; each makes its own when given
none) and is never kept at module level: a remote package is a mutable model, and a reading
kept longer could describe a package that has since changed.
"""

from __future__ import annotations

from typing import NamedTuple

from reconciler.domain.remote import RemotePackage
from reconciler.domain.statuses import status_name
from reconciler.plan import canonical
from reconciler.plan.ownership import Marker


class Reading(NamedTuple):
    """A package as the planner compares it (a tuple: cheap to make, immutable)."""

    marker: Marker | None       # parse_marker(description)
    owner: str | None           # the marker's owner
    status: str | None          # canonical.status: ASSEMBLING reads as DRAFT
    status_name: str | None     # status_name: as reported, ASSEMBLING kept
    name: str                   # canonical.name
    description: str            # canonical.description: the marker and blanks gone


def read(package: RemotePackage) -> Reading:
    marker, description = canonical.marker_and_description(package.description)
    return Reading(marker, marker.owner if marker is not None else None,
                   canonical.status(package.status), status_name(package.status),
                   canonical.name(package.name), description)


class Readings:
    """``readings(package)``: the package's :class:`Reading`, made once per package."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        # id(package) -> (package, its reading). Holding the package keeps its id from being
        # given to another object while this memo lives; the reading is handed out only for
        # that very package all the same.
        self._made: dict[int, tuple[RemotePackage, Reading]] = {}

    def __call__(self, package: RemotePackage) -> Reading:
        made = self._made.get(id(package))
        if made is None or made[0] is not package:
            made = self._made[id(package)] = (package, read(package))
        return made[1]
