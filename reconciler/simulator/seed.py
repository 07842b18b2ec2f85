"""The seeded source objects of each simulated environment.

IDs are deterministic (``md5(f"{env}/{objCode}/{name}")``) so example files and tests can name
records without asking the simulator. Sub-object names are unique across the catalog.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from reconciler.domain.objcodes import PROMOTABLE

# One catalog node: (objCode, name, children).
Node = tuple[str, str, tuple["Node", ...]]


@dataclass
class SourceRecord:
    """One Workfront object in an environment. ``parentID`` links a sub-object to its owner."""

    objCode: str
    ID: str
    name: str
    description: str = ""
    parentID: str | None = None


def seed_id(env: str, obj_code: str, name: str) -> str:
    return hashlib.md5(f"{env}/{obj_code}/{name}".encode()).hexdigest()


def _leaf(code: str, *names: str) -> tuple[Node, ...]:
    return tuple((code, name, ()) for name in names)


_ONBOARDING: Node = ("TMPL", "New Agency Onboarding", (
    ("TTSK", "Kickoff Call", (
        ("TASSGN", "Kickoff Call: Account Manager", ()),
    )),
    ("TTSK", "Contract Review", (
        ("TASSGN", "Contract Review: Creative Director", ()),
        ("TPRED", "Contract Review after Kickoff Call", ()),
    )),
    ("TTSK", "Account Setup", (
        ("TPRED", "Account Setup after Contract Review", ()),
    )),
    ("QUED", "Agency Requests Queue", _leaf("QUET", "Access Request", "New Vendor")),
    ("RRUL", "Route to Onboarding", ()),
))

FULL_CATALOG: tuple[Node, ...] = (
    _ONBOARDING,
    ("TMPL", "New Agency Offboarding", _leaf("TTSK", "Exit Interview", "Revoke Access")),
    ("TMPL", "Campaign Launch", _leaf("TTSK", "Creative Brief", "Launch Review")),
    ("PTLTAB", "Agency Performance and Readiness", (
        # A report carries its own view, filter and grouping.
        ("PTLSEC", "Agency Throughput", (
            ("UIVW", "Agency View", ()),
            ("UIFT", "Active Agencies", ()),
            ("UIGB", "By Agency Tier", ()),
        )),
    )),
    ("PTLTAB", "Executive Portfolio Overview", _leaf("PTLSEC", "Portfolio Health")),
    ("PTLSEC", "Open Requests by Agency", ()),
    ("CTGY", "Agency Intake Form", (
        ("PARAM", "Agency Tier", _leaf("PARAMOPT", "Gold", "Silver", "Bronze")),
        ("PARAM", "Agency Region", ()),
    )),
    ("CTGY", "Campaign Brief Form", _leaf("PARAM", "Campaign Budget")),
    *_leaf("GROUP", "Default Group", "Agency Partners", "Creative Services"),
    *_leaf("ROLE", "Account Manager", "Creative Director"),
    ("TEAM", "Onboarding Squad", ()),
    ("ARVPRC", "Agency Contract Approval", ()),
    ("SCHED", "Agency Standard Schedule", ()),
)

# What preview and production start with, so a pre-run finds USEEXISTING for these.
TARGET_CATALOG: tuple[Node, ...] = (
    ("GROUP", "Default Group", ()),
    ("ROLE", "Account Manager", ()),
    ("TMPL", "Campaign Launch", ()),
)


def seed_records(env: str, kind: str) -> list[SourceRecord]:
    """The records an environment starts with: the full catalog for sandboxes."""
    catalog = FULL_CATALOG if kind == "sandbox" else TARGET_CATALOG
    out: list[SourceRecord] = []

    def walk(node: Node, parent: str | None) -> None:
        code, name, children = node
        rid = seed_id(env, code, name)
        out.append(SourceRecord(code, rid, name, f"{name} (seeded in {env})", parent))
        for child in children:
            walk(child, rid)

    for node in catalog:
        walk(node, None)
    return out


def listed_records(env: str, kind: str, code: str | None = None) -> list[SourceRecord]:
    """What ``wfpromote simulator objects`` shows for one environment: the seeded records
    (optionally of one objCode), top-level promotable objects first, since those are what a
    package names; sub-objects follow in catalog (tree) order, as the sort is stable."""
    records = [r for r in seed_records(env, kind) if code is None or r.objCode == code]
    return sorted(records, key=lambda r: not (r.parentID is None and r.objCode in PROMOTABLE))
