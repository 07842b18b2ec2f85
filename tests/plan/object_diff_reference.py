"""The hand-written ``plan/object_diff.py`` that DeepDiff replaced, kept as the reference its
replacement is compared with (test_plan_diff_by_deepdiff.py).
Its own description:

Which top-level objects a changed package gains and loses, by objCode, ID and name.

The declared side is the package's ``objectCollections``; the served side is the remote
package's ``packageEntities``, which also lists every sub-object the service pulled in
(template tasks, a dashboard's reports). A served object counts as one the package names
unless its objCode is one that an object present in the package may include as a
sub-object: the summaries carry no parent, so such an object could be either, and it is
left out rather than reported as removed when it merely came with its parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.domain.declared import PackageSpec
from reconciler.plan.model import DiffOp, FieldDiff

# The sides are read as before: only the comparison is the replaced code.
from reconciler.plan.object_diff import declared_objects, served_objects, top_level


def object_diffs(spec: PackageSpec, entities: Mapping[str, Any] | None) -> list[FieldDiff]:
    """``objects.CODE[id]`` added (declared, not held) and removed (held, not declared).

    Empty when the remote package's entities are unknown (not fetched) or the package is
    declared by value (its definition diff shows records in and out).
    """
    if entities is None or spec.objectCollections is None:
        return []
    declared = declared_objects(spec)
    served = served_objects(entities)
    held = top_level(served, declared)
    out: list[FieldDiff] = []
    for code, ids in declared.items():
        have = served.get(code, {})
        for ident, name in ids.items():
            if ident not in have:
                out.append(FieldDiff(f"objects.{code}[{ident}]", None, name, op=DiffOp.ADD))
    for code, ids in held.items():
        for ident, name in ids.items():
            if ident not in declared.get(code, {}):
                out.append(FieldDiff(f"objects.{code}[{ident}]", name, None,
                                     op=DiffOp.REMOVE))
    return sorted(out, key=lambda d: (d.op is DiffOp.ADD, d.path))
