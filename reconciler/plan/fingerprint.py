"""Fingerprints of the remote state a plan was made against, to refuse stale saved plans.

A fingerprint is a sha256 over the normalised comparable fields of one remote package. A plan
keeps one per remote package it touches and per package of the listing's managed set, and
one per created name (``name:<name>``, over the live packages carrying that name, so a
package appearing under that name makes the plan stale too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

from reconciler.domain.remote import RemotePackage
from reconciler.plan import canonical
from reconciler.plan.ownership import parse_marker

NAME_PREFIX = "name:"


def _sha(data: object) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def package_fingerprint(package: RemotePackage) -> str:
    marker = parse_marker(package.description)
    return _sha({
        "id": package.id.lower(),
        "name": canonical.name(package.name),
        "description": canonical.description(package.description),
        "marker": marker.digest if marker else None,
        "owner": marker.owner if marker else None,
        "status": canonical.status(package.status),
        "deletedAt": package.deletedAt or None,
    })


def _ids_by_name(remote: Iterable[RemotePackage]) -> dict[str, list[str]]:
    """Canonical name -> ids of the live packages carrying it: one pass, for every name."""
    out: dict[str, list[str]] = {}
    for package in remote:
        if not package.deleted:
            out.setdefault(canonical.name(package.name), []).append(package.id.lower())
    return out


def name_fingerprint(ids_by_name: Mapping[str, list[str]], name: str) -> str:
    wanted = canonical.name(name)
    return _sha({"name": wanted, "ids": sorted(ids_by_name.get(wanted, ()))})


def owned(package: RemotePackage, owner: str) -> bool:
    marker = parse_marker(package.description)
    return marker is not None and marker.owner == owner


def compute(remote: Sequence[RemotePackage], owner: str, touched_ids: Iterable[str],
            created_names: Iterable[str]) -> dict[str, str]:
    wanted = {i.lower() for i in touched_ids}
    out: dict[str, str] = {}
    for package in remote:
        if package.id.lower() in wanted or (not package.deleted and owned(package, owner)):
            out[package.id.lower()] = package_fingerprint(package)
    by_name = _ids_by_name(remote)
    for name in created_names:
        out[NAME_PREFIX + name] = name_fingerprint(by_name, name)
    return dict(sorted(out.items()))


def stale_keys(saved: Mapping[str, str], remote: Sequence[RemotePackage],
               owner: str) -> list[str]:
    """Keys whose fingerprint moved since the plan was made, plus newly managed packages.

    For the apply engine: an empty list means the remote still looks like it did.
    """
    by_id = {p.id.lower(): p for p in remote}
    by_name = _ids_by_name(remote)
    moved = []
    for key, value in saved.items():
        if key.startswith(NAME_PREFIX):
            now = name_fingerprint(by_name, key[len(NAME_PREFIX):])
        else:
            package = by_id.get(key)
            now = package_fingerprint(package) if package else ""
        if now != value:
            moved.append(key)
    for package in remote:
        if (not package.deleted and owned(package, owner)
                and package.id.lower() not in saved):
            moved.append(package.id.lower())
    return sorted(moved)
