"""The diffs DeepDiff computes are the ones the hand-written walk made, and DeepDiff is only
imported when a changed package is planned.

The hand-written code is kept beside this test as the reference (``*_reference.py``); on
generated definitions and entity lists both give the same field diffs, in the same order.
Where the reference compared nested lists with Python's ``==`` (which takes ``true`` for
``1``), DeepDiff tells them apart, as JSON does: booleans are not generated inside lists.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import definition_diff_reference
import object_diff_reference
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.domain.declared import PackageSpec
from reconciler.plan.definition_diff import definition_diffs
from reconciler.plan.object_diff import object_diffs

IDS = ["a" * 32, "b" * 32, "B" * 32, "c" * 32]
SCALARS = st.sampled_from(["x", "y", "z", 1, 1.0, True, False, None, 0, "", 2.5])
NUMBERS = st.sampled_from(["x", "y", "z", 1, 1.0, None, 0, "", 2.5, 0.0])
NESTED_RECORDS = st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(IDS)}, optional={"label": NUMBERS, "ID": st.sampled_from(IDS)}),
    max_size=3)
VALUES = st.recursive(NUMBERS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["a", "b", "id", "ID"]), inner, max_size=3) | NESTED_RECORDS, max_leaves=8)
RECORDS = st.tuples(st.sampled_from(["id", "ID"]), st.sampled_from(IDS), st.fixed_dictionaries(
    {}, optional={"name": SCALARS, "f": VALUES, "g": VALUES, "customerId": SCALARS})).map(
    lambda parts: {parts[0]: parts[1], **parts[2]})
ENTITIES = st.dictionaries(st.sampled_from(["CTGY", "PARAM", "ctgy"]),
                           st.lists(RECORDS, max_size=3), max_size=2)


def _shown(diffs: list[Any]) -> list[tuple[str, Any, str, str]]:
    return [(d.path, d.op, repr(d.old), repr(d.new)) for d in diffs]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(ENTITIES, ENTITIES, st.booleans())
@example({"P": [{"id": "b" * 32, "g": [["x", "y"]]}]},  # the order inside an item counts
         {"P": [{"id": "b" * 32, "g": [["y", "x"]]}]}, True)
@example({"P": [{"id": "b" * 32, "g": ["x", "x", "y"]}]},  # repeated items are counted
         {"P": [{"id": "b" * 32, "g": ["x", "z"]}]}, True)
@example({"P": [{"id": "b" * 32, "g": [0, []]}]},  # 0 and 0.0: equal, yet two items
         {"P": [{"id": "b" * 32, "g": [0.0]}]}, True)
@example({"P": [{"id": "b" * 32, "g": ["x", 1]}]},  # (pairing numbers divided by zero)
         {"P": [{"id": "b" * 32, "g": ["x", 0]}]}, True)
def test_definition_diffs_are_the_references(declared: Any, served: Any,
                                             compare_fields: bool) -> None:
    assert _shown(definition_diffs(declared, served, compare_fields=compare_fields)) == \
        _shown(definition_diff_reference.definition_diffs(declared, served,
                                                          compare_fields=compare_fields))


CODES = ["TMPL", "TTSK", "PTLTAB", "PTLSEC", "UIVW", "HOURT", "CUSTOM"]
DECLARED = st.lists(st.tuples(
    st.sampled_from(["TMPL", "TTSK", "PTLTAB", "PTLSEC", "HOURT"]),
    st.lists(st.tuples(st.sampled_from(IDS[:2] + IDS[3:]), st.sampled_from(["One", "Two"])),
             min_size=1, max_size=3, unique_by=lambda t: t[0])),
    min_size=1, max_size=3, unique_by=lambda t: t[0])
SERVED = st.dictionaries(st.sampled_from([*CODES, "tmpl"]), st.lists(st.fixed_dictionaries(
    {"ID": st.sampled_from(IDS + [i.upper() for i in IDS])},
    optional={"name": st.sampled_from(["One", "Two", None])}), max_size=3), max_size=4)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(DECLARED, SERVED)
def test_object_diffs_are_the_references(declared: Any, served: Any) -> None:
    spec = PackageSpec.model_validate({
        "name": "Package x", "source": "sandbox",
        "objectCollections": [{"objCode": code, "entities": [{"ID": i, "name": n}
                                                             for i, n in entities]}
                              for code, entities in declared]})
    assert _shown(object_diffs(spec, served)) == \
        _shown(object_diff_reference.object_diffs(spec, served))


PROBE = """
import sys
from plan_factories import remote_of, settings, spec
from reconciler.plan.planner import plan
declared = spec("Agency Onboarding")
plan([declared], [remote_of(declared)], settings())
print("deepdiff" in sys.modules)
changed = spec("Agency Onboarding", entities=("Other Template",))
fetched = remote_of(changed, digest=declared.digest(), packageEntities={"TMPL": []})
plan([changed], [fetched], settings())
print("deepdiff" in sys.modules)
"""


def test_deepdiff_is_imported_only_when_a_change_is_planned() -> None:
    here = Path(__file__).resolve().parent
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          cwd=here.parents[1], check=True, timeout=60,
                          env={"PYTHONPATH": str(here), "PATH": "/usr/bin:/bin"})
    assert done.stdout.split() == ["False", "True"], done.stderr
