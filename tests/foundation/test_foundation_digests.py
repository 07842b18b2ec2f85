"""The package digest (written into every marker) and the declared digest (kept in saved
plans) are the sha256 of the JSON texts they always were, whatever the declared text holds.

Both are now written from one canonical JSON text per package (``PackageSpec.content_json``);
these tests hold them to the ``json.dumps`` definitions on generated packages, non-ASCII and
control characters included.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from reconciler.desired.loader import declared_digest
from reconciler.domain.declared import PackageSpec


def package_digest(spec: PackageSpec) -> str:
    blob = json.dumps(spec.content(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def files_digest(specs: list[PackageSpec]) -> str:
    entries = [{"name": s.name, "description": s.description, "status": s.status.value,
                "install": [step.model_dump(mode="json") for step in s.install],
                "content": s.content()}
               for s in sorted(specs, key=lambda s: s.name)]
    blob = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=8) | st.sampled_from(
    ["", "plain", "é", "\x7f", "\x00\n\"\\", "\u2028", "日本"])
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6)
hex32 = st.text("0123456789abcdefABCDEF", min_size=32, max_size=32)
collections = st.lists(st.fixed_dictionaries({
    "objCode": texts, "entities": st.lists(st.fixed_dictionaries({"ID": hex32}),
                                           max_size=3)}), max_size=3)
steps = st.lists(st.fixed_dictionaries({
    "environment": texts, "existing": st.sampled_from(["use", "overwrite"]),
    "after": st.lists(texts, max_size=2),
    "overrides": st.dictionaries(texts, st.dictionaries(hex32, st.sampled_from(
        ["CREATE", "USEEXISTING", "OVERWRITING", "IGNORE"]), max_size=2), max_size=2)}),
    max_size=2)


@st.composite
def specs(draw: st.DrawFn) -> PackageSpec:
    data: dict[str, Any] = {
        "name": draw(texts), "description": draw(texts), "source": draw(texts),
        "status": draw(st.sampled_from(["DRAFT", "TESTING", "ACTIVE", "DISABLED"])),
        "revision": draw(st.none() | st.integers(0, 10**18)), "install": draw(steps)}
    if draw(st.booleans()):
        data["objectCollections"] = draw(collections)
    else:
        data["definition"] = "content.definition.json"
        data["definition_content"] = draw(st.dictionaries(texts, values, max_size=3))
    return PackageSpec.model_validate(data)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(specs(), max_size=4))
def test_digests_are_the_json_dumps_ones(declared: list[PackageSpec]) -> None:
    assert declared_digest(declared) == files_digest(declared)
    for spec in declared:
        assert spec.digest() == package_digest(spec)
        assert json.loads(spec.content_json()) == spec.content()


def test_a_copy_writes_its_own_content() -> None:
    spec = PackageSpec.model_validate({"name": "P", "source": "sandbox", "revision": 1,
                                       "objectCollections": []})
    assert '"revision":1' in spec.content_json() and spec.digest() == package_digest(spec)
    copy = spec.model_copy(update={"revision": 2})
    assert '"revision":2' in copy.content_json() and copy.digest() == package_digest(copy)
    assert copy.digest() != spec.digest()
