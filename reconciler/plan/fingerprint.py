"""Fingerprints of the remote state a plan was made against, to refuse stale saved plans.

A fingerprint is a sha256 over the normalised comparable fields of one remote package. A plan
keeps one per remote package it touches and per package of the listing's managed set, and
one per *name it matched by* (``name:<name>``, over the ids of the live packages carrying
that name): each name it creates and the name of each live package it touches. Which remote
package a declared file is, and whether that is clear at all, depends on every live package
under its name, so a package appearing under such a name (a hand-made twin of an owned
package the plan leaves alone, issue 19) makes the plan stale, and so does a change to any
package already carrying it (each gets its own fingerprint: its status decides which of
several is the live version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring

from reconciler.domain.remote import RemotePackage
from reconciler.plan import canonical
from reconciler.plan.readings import Reading, Readings, read

NAME_PREFIX = "name:"
# What json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) makes
# (dumps builds this encoder on every call; it keeps no state between calls).
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(data: object) -> str:
    return hashlib.sha256(_JSON.encode(data).encode()).hexdigest()


def _value(value: object) -> str:
    """``value`` as ``_JSON`` writes it inside an object: strings by the encoder's own string
    function (``ensure_ascii=False``), anything else by the encoder."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)
    return _JSON.encode(value)


def package_fingerprint(package: RemotePackage, reading: Reading | None = None) -> str:
    """``_sha`` of the package's compared fields. The object is written out directly, keys in
    sorted order, each value by ``_value``: the very text ``_sha`` would make, without
    building a dict and a new encoder per package. ``reading``: the package's, when the
    caller has it (the same values either way)."""
    seen = read(package) if reading is None else reading
    marker = seen.marker
    blob = (f'{{"deletedAt":{_value(package.deletedAt or None)},'
            f'"description":{encode_basestring(seen.description)},'  # always a str
            f'"id":{encode_basestring(package.id.lower())},'
            f'"marker":{_value(marker.digest if marker else None)},'
            f'"name":{encode_basestring(seen.name)},'
            f'"owner":{_value(seen.owner)},'
            f'"status":{_value(seen.status)}}}')
    return hashlib.sha256(blob.encode()).hexdigest()


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


def compute(remote: Sequence[RemotePackage], owner: str, touched_ids: Iterable[str],
            created_names: Iterable[str], readings: Readings | None = None) -> dict[str, str]:
    """``readings``: the planner's, so each package is read once per plan."""
    readings = Readings() if readings is None else readings
    wanted = {i.lower() for i in touched_ids}
    out: dict[str, str] = {}
    names = {canonical.name(name) for name in created_names}
    for package in remote:
        key, seen = package.id.lower(), readings(package)
        if key in wanted or (not package.deleted and seen.owner == owner):
            out[key] = package_fingerprint(package, seen)
            if key in wanted and not package.deleted:
                names.add(seen.name)
    if names:  # a plan that matches nothing by name needs no index of names
        by_name = _ids_by_name(remote)
        by_id = {p.id.lower(): p for p in remote if not p.deleted}
        for name in names:
            out[NAME_PREFIX + name] = name_fingerprint(by_name, name)
            for key in by_name.get(name, ()):
                if key not in out:  # a package under the name the plan does not touch
                    out[key] = package_fingerprint(by_id[key], readings(by_id[key]))
    return dict(sorted(out.items()))


def stale_keys(saved: Mapping[str, str], remote: Sequence[RemotePackage],
               owner: str) -> list[str]:
    """Keys whose fingerprint moved since the plan was made, plus newly managed packages.

    For the apply engine: an empty list means the remote still looks like it did.
    """
    by_id = {p.id.lower(): p for p in remote}
    by_name = _ids_by_name(remote)
    readings = Readings()
    moved = []
    for key, value in saved.items():
        if key.startswith(NAME_PREFIX):
            now = name_fingerprint(by_name, key[len(NAME_PREFIX):])
        else:
            package = by_id.get(key)
            now = package_fingerprint(package, readings(package)) if package else ""
        if now != value:
            moved.append(key)
    for package in remote:
        if (not package.deleted and readings(package).owner == owner
                and package.id.lower() not in saved):
            moved.append(package.id.lower())
    return sorted(moved)
