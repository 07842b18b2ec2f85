"""Does a remote package hold the declared content? Only needed when no marker says so.

Served ``packageEntities`` list sub-objects too (tasks of a template, fields of a form), so a
package matches when its source is the declared one and every declared record is among the
served records of the same objCode. Entity order, key casing and extra fields do not matter.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import RemotePackage
from reconciler.plan import canonical
from reconciler.plan.bodies import source_url
from reconciler.plan.ownership import parse_marker


def declared_ids(spec: PackageSpec) -> dict[str, set[str]]:
    if spec.objectCollections is not None:
        out: dict[str, set[str]] = {}
        for collection in spec.objectCollections:
            out.setdefault(collection.objCode, set()).update(e.ID.lower()
                                                             for e in collection.entities)
        return out
    return {code: canonical.entity_ids(records)
            for code, records in (spec.definition_content or {}).items()}


def same_content(spec: PackageSpec, remote: RemotePackage,
                 environments: Mapping[str, str]) -> bool | None:
    """True / False, or None when the remote does not say (no marker and no entities)."""
    marker = parse_marker(remote.description)
    if marker is not None:
        return marker.digest == spec.digest()
    if remote.packageEntities is None:
        return None
    if remote.source and canonical.url(remote.source) != canonical.url(
            source_url(spec, environments)):
        return False
    served = {code.upper(): canonical.entity_ids(records)
              for code, records in remote.packageEntities.items()}
    return all(ids <= served.get(code.upper(), set())
               for code, ids in declared_ids(spec).items())
