"""Each remote package is read once per plan, and the cheap ways give the same answers.

The planner reads a remote package's marker, status, name and description once per call
(``plan/readings.py``) and hands the reading along; the one-pass marker split, the one-line
description and the written-out fingerprint replace longer ways of computing the same
values. These tests hold each to the way it replaced (kept here as the reference) on
generated texts, and check that nothing is read twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from plan_factories import pkg_id, remote_of, settings, spec

from reconciler.domain.declared import InstallStep, PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.domain.statuses import status_name, text_or_empty
from reconciler.errors import WfpromoteError
from reconciler.plan import canonical, fingerprint, readings
from reconciler.plan.model import ActionKind
from reconciler.plan.ownership import Marker, parse_marker, split_marker, strip_marker
from reconciler.plan.planner import plan, plan_prepared
from reconciler.plan.prepare import prepare
from reconciler.plan.readings import Reading, Readings, read
from reconciler.plan.values import freeze

DIGEST = "ab" * 32

# --- the ways these replaced, as they were --------------------------------------------------

# One change since, on purpose: words `key=value` after the known ones are read past (a
# later release may write more, docs/planning.md), so both expressions end with them.
_LATER = r"(?:\s+[a-z][a-z0-9_-]*=\S*)*"
_MARKER = re.compile(
    r"^\s*managed-by:\s*wfpromote\s+owner=(?P<owner>.+?)\s+digest=(?P<digest>[0-9a-fA-F]{64})"
    r"(?:\s+revision=(?P<revision>\d{1,18}))?" + _LATER + r"\s*$")
_TAIL = re.compile(
    r"\s(managed-by:\s*wfpromote\s+owner=\S+\s+digest=[0-9a-fA-F]{64}"
    r"(?:\s+revision=\d{1,18})?" + _LATER + r")\s*$")


def _lines(description: str | None) -> list[str]:
    text = (description or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def reference_parse_marker(description: str | None) -> Marker | None:
    lines = _lines(description)
    if not lines:
        return None
    match = _MARKER.match(lines[-1])
    if match is None and (tail := _TAIL.search(lines[-1])) is not None:
        match = _MARKER.match(tail.group(1))
    if match is None:
        return None
    revision = int(match["revision"]) if match["revision"] is not None else None
    return Marker(match["owner"].strip(), match["digest"].lower(), revision)


def reference_strip_marker(description: str | None) -> str:
    lines = _lines(description)
    if lines and _MARKER.match(lines[-1]):
        lines.pop()
    elif lines and (tail := _TAIL.search(lines[-1])) is not None:
        lines[-1] = lines[-1][:tail.start()]
    return "\n".join(lines).rstrip()


def reference_description(value: object) -> str:
    text = text_or_empty(reference_strip_marker(text_or_empty(value)))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def reference_fingerprint(package: RemotePackage) -> str:
    marker = reference_parse_marker(package.description)
    data = {"id": package.id.lower(), "name": canonical.name(package.name),
            "description": reference_description(package.description),
            "marker": marker.digest if marker else None,
            "owner": marker.owner if marker else None,
            "status": canonical.status(package.status),
            "deletedAt": package.deletedAt or None}
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


# --- generated texts: pieces of markers, line ends, blanks, "null" ---------------------------

_PIECES = ["managed-by: wfpromote", "managed-by:wfpromote", " owner=acme", " owner=a b",
           f" digest={DIGEST}", f" digest={DIGEST.upper()}", " revision=3", "wfpromote",
           "\n", "\r\n", "\r", "\n\n", " ", "  ", "\t", "\u2028", "\x85", "\x0c", "null",
           "NULL", "Text", "é", "x"]
texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=30)
maybe_texts = st.none() | texts


@hsettings(max_examples=400, deadline=None)
@given(maybe_texts)
def test_split_marker_is_parse_and_strip_as_they_were(text: str | None) -> None:
    assert split_marker(text) == (reference_parse_marker(text), reference_strip_marker(text))
    assert parse_marker(text) == reference_parse_marker(text)
    assert strip_marker(text) == reference_strip_marker(text)


@hsettings(max_examples=400, deadline=None)
@given(maybe_texts)
def test_description_and_marker_in_one_pass_are_what_each_gives(text: str | None) -> None:
    assert canonical.description(text) == reference_description(text)
    assert canonical.marker_and_description(text) == (reference_parse_marker(text),
                                                      reference_description(text))


@pytest.mark.parametrize(("text", "expected"), [
    (" One line. ", "One line."),
    (" null ", ""),
    ("NuLL", ""),
    ("  ", ""),
    ("", ""),
    ("a \rb ", "a\nb"),                       # a lone CR ends a line too
    ("a  \nb ", "a\nb"),                      # trailing spaces of every line go
    ("x\u2028y ", "x\u2028y"),                # not a line end for the comparison
    (f"Text managed-by: wfpromote owner=acme digest={DIGEST}", "Text"),
    (f"managed-by: wfpromote owner=acme digest={DIGEST}", ""),
    ("says wfpromote once", "says wfpromote once"),
])
def test_description_examples(text: str, expected: str) -> None:
    assert canonical.description(text) == expected


def test_description_of_what_is_not_text() -> None:
    assert canonical.description(None) == ""
    assert canonical.description(12) == "12"


def _package(description: str, status: str | None = "DRAFT", name: str = "P",
             deleted: str | None = None, id: str = "ID-1") -> RemotePackage:
    return RemotePackage(id=id, name=name, description=description, status=status,
                         deletedAt=deleted)


@hsettings(max_examples=300, deadline=None)
@given(description=texts, status=st.none() | st.sampled_from(
    ["DRAFT", " extracting ", "ASSEMBLING", "null", "RETIRED", "odd", ""]),
    name=texts, deleted=st.none() | st.sampled_from(["", "2026-01-01T00:00:00Z"]),
    id=st.sampled_from(["AbC-1", "id", "Ünï"]))
def test_a_reading_and_a_fingerprint_are_what_the_functions_say(
        description: str, status: str | None, name: str, deleted: str | None,
        id: str) -> None:
    package = _package(description, status, name, deleted, id)
    marker = reference_parse_marker(description)
    assert read(package) == Reading(
        marker, marker.owner if marker else None, canonical.status(status),
        status_name(status), canonical.name(name), reference_description(description))
    assert fingerprint.package_fingerprint(package) == reference_fingerprint(package)
    assert fingerprint.package_fingerprint(package, read(package)) == \
        reference_fingerprint(package)


def test_a_reading_names_the_owner_of_the_marker() -> None:
    marked = read(_package(f"Text\n\nmanaged-by: wfpromote owner=acme digest={DIGEST}"))
    assert (marked.marker, marked.owner, marked.description) == \
        (Marker("acme", DIGEST), "acme", "Text")
    unmarked = read(_package("Text", status=" extracting "))
    assert (unmarked.marker, unmarked.owner) == (None, None)
    assert (unmarked.status, unmarked.status_name) == ("DRAFT", "ASSEMBLING")


def test_readings_read_a_package_once_and_tell_packages_apart() -> None:
    made = Readings()
    one, twin = _package("A"), _package("A")
    first = made(one)
    assert made(one) is first
    assert made(twin) is not first and made(twin) == first  # equal, but its own reading
    assert made(_package("B")).description == "B"


def test_freeze_keeps_plain_values_and_their_subclasses() -> None:
    class Colour(StrEnum):
        RED = "red"

    for value in ("s", 1, 1.5, True, None, Colour.RED):
        assert freeze(value) is value
    assert freeze({"a": [1, {"b": 2}]}) == {"a": (1, {"b": 2})}


# --- each remote package is read once --------------------------------------------------------

@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each remote package (by id) was read."""
    count: Counter[str] = Counter()
    real = readings.read

    def counting(package: RemotePackage) -> Reading:
        count[package.id] += 1
        return real(package)

    monkeypatch.setattr(readings, "read", counting)
    return count


def _scenario() -> tuple[list[PackageSpec], list[RemotePackage]]:
    """Unchanged, changed, created, pruned, a failed assembly, another owner's package."""
    same, changed, new = spec("Same"), spec("Changed", description="new"), spec("New")
    with_install = spec("Installed").model_copy(
        update={"install": (InstallStep(environment="sandbox"),)})
    remote = [
        remote_of(same), remote_of(changed, description="old"), remote_of(with_install),
        remote_of(spec("Gone"), id=pkg_id("Gone")),
        remote_of(spec("Failed"), status="ASSEMBLING_FAILED", id=pkg_id("Failed")),
        remote_of(spec("Theirs"), owner="someone-else", id=pkg_id("Theirs")),
        remote_of(spec("Slim"), id=pkg_id("Slim")).model_copy(update={"status": None}),
    ]
    return [same, changed, new, with_install], remote


def test_plan_reads_each_remote_package_once(counted: Counter[str]) -> None:
    desired, remote = _scenario()
    result = plan(desired, remote, settings(prune="delete"))
    kinds = sorted({a.kind.value for a in result.actions})
    assert kinds == ["create", "delete", "install", "no-op", "update"]
    assert counted == Counter({p.id: 1 for p in remote})


def test_one_preparation_reads_each_package_once_for_what_to_fetch_and_the_plan(
        counted: Counter[str]) -> None:
    desired, remote = _scenario()
    prepared = prepare(desired, remote, settings())
    result = plan_prepared(prepared, {})
    assert counted == Counter({p.id: 1 for p in remote})
    assert prepared.details == {pkg_id("Slim")}
    assert prepared.histories == {pkg_id("Installed")}
    assert result == plan(desired, remote, settings(), {})


def test_a_fetched_record_is_read_once_more_and_the_rest_not_again(
        counted: Counter[str]) -> None:
    desired, remote = _scenario()
    prepared = prepare(desired, remote, settings())
    slim = next(p for p in remote if p.id == pkg_id("Slim"))
    full = slim.model_copy(update={"status": "DRAFT"})
    plan_prepared(prepared.fetched({slim.id: full}), {})
    assert counted == Counter({p.id: 1 for p in remote}) + Counter({slim.id: 1})


def test_needs_detail_asking_again_reads_nothing_twice(counted: Counter[str]) -> None:
    """Two live packages by a declared name, one with no status: that one is fetched, and
    the second look at the rest uses the same readings."""
    declared = spec("Twice")
    live = remote_of(declared, id=pkg_id("live"))
    slim = remote_of(declared, id=pkg_id("slim")).model_copy(update={"status": None})
    assert prepare([declared], [live, slim], settings()).details == {pkg_id("slim")}
    assert counted == Counter({live.id: 1, slim.id: 1})


def test_without_the_fetch_an_ambiguous_listing_is_the_plan_s_problem() -> None:
    """The listing cannot tell two live versions apart: prepare names the slim one to fetch;
    a plan made without fetching it reports the ambiguity instead of guessing."""
    declared = spec("Twice")
    live = remote_of(declared, id=pkg_id("live"))
    slim = remote_of(declared, id=pkg_id("slim")).model_copy(update={"status": None})
    prepared = prepare([declared], [live, slim], settings())
    assert prepared.survey is None and prepared.details == {slim.id}
    with pytest.raises(WfpromoteError, match="matches several remote packages"):
        plan_prepared(prepared, {})
    full = slim.model_copy(update={"status": "DISABLED"})
    fetched = prepared.fetched({slim.id: full})
    assert fetched.listing == (live, full) and fetched.details == frozenset()
    assert fetched.problem is None and prepared.problem is not None
    assert fetched.surveyed() is fetched.survey
    assert [(a.kind, a.package_id) for a in plan_prepared(fetched, {}).actions] == [
        (ActionKind.NOOP, live.id)]
