"""The files `import` writes read back as exactly what was written, under stable names."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired.sources import parse_yaml
from reconciler.desired.writer import modeline, package_yaml, scalar, stem, unique_stems
from reconciler.domain.remote import RemotePackage
from reconciler.run.importing import ImportRequest, Outcome, _choose, object_collections

ID = "a" * 32


def read_back(text: str) -> object:
    (doc,) = parse_yaml(text, "t.yaml")
    return doc.data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_name_reads_back_unchanged(text: str) -> None:
    doc = {"name": text, "description": text, "source": "sandbox", "status": "DRAFT",
           "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": ID, "name": text}]}]}
    data = read_back(package_yaml(doc))
    assert data == doc  # type: ignore[comparison-overlap]


def test_plain_where_safe_quoted_where_yaml_would_misread() -> None:
    assert scalar("Agency Onboarding") == "Agency Onboarding"
    for tricky in ("yes", "Null", "a: b", "x # y", "Agency, Inc", "[x]", " pad", "12", "-x",
                   "{a}", "it's: fine"):
        assert scalar(tricky).startswith('"'), tricky


def test_multi_line_descriptions_are_literal_blocks() -> None:
    doc = {"name": "Agency Onboarding", "description": "one\n\ntwo: three", "source": "sandbox"}
    text = package_yaml(doc)
    assert "description: |-\n  one\n\n  two: three\n" in text
    assert read_back(text) == doc
    doc["description"] = "trailing \nspace"     # a block would lose it: JSON-quoted instead
    assert 'description: "trailing \\nspace"' in package_yaml(doc)


def test_file_names_are_readable_and_never_collide() -> None:
    assert stem("Agency Onboarding (EMEA) / 2026") == "agency-onboarding-emea-2026"
    assert stem("Café Déjà Vu") == "cafe-deja-vu"
    assert stem("日本語") == "package"
    assert len(stem("x" * 200)) <= 60
    assert unique_stems([("1", "A b c d e"), ("2", "a-b c d e"), ("3", "A B C D E")]) == {
        "1": "a-b-c-d-e", "2": "a-b-c-d-e-2", "3": "a-b-c-d-e-3"}


def test_modeline_points_at_the_schema_from_the_file() -> None:
    root = Path("/repo")
    assert modeline(root / "promotions" / "forms" / "a.yaml", root) == \
        "# yaml-language-server: $schema=../../schemas/package.schema.json"


def test_collections_keep_promotable_objects_only() -> None:
    entities = {"TTSK": [{"id": "b" * 32, "name": "Task"}],
                "tmpl": [{"id": ID, "name": "Onboarding"}, {"id": ID, "name": "again"}],
                "PTLSEC": [{"id": "c" * 32, "name": "null"}, {"id": "short"}]}
    assert object_collections(entities) == [
        {"objCode": "TMPL", "entities": [{"ID": ID, "name": "Onboarding"}]},
        {"objCode": "PTLSEC", "entities": [{"ID": "c" * 32}]}]


def test_deleted_packages_are_skipped_unless_all() -> None:
    listed = [RemotePackage(id="1", name="Kept package"),
              RemotePackage(id="2", name="Gone package", deletedAt="2026-01-01T00:00:00Z")]
    outcome = Outcome()
    assert [p.id for p in _choose(listed, ImportRequest(), outcome)] == ["1"]
    assert "deleted" in outcome.skipped[0]
    assert [p.id for p in _choose(listed, ImportRequest(include_all=True), Outcome())] == \
        ["2", "1"]


def test_refusals_name_the_package_and_the_way_out() -> None:
    import asyncio
    from types import SimpleNamespace

    from reconciler.domain.declared import Config
    from reconciler.domain.profiles import CURRENT
    from reconciler.run.importing import _drafts

    config = Config.model_validate({"owner": "acme", "environments": {
        "sandbox": {"url": "https://acme.sb01.workfront.com", "kind": "sandbox"}}})
    entities = {"TMPL": [{"id": ID, "name": "Onboarding"}]}
    sandbox = "https://acme.sb01.workfront.com/"
    packages = [
        RemotePackage(id="1", name="Twin package", status="DRAFT", source=sandbox),
        RemotePackage(id="2", name="Twin package ", status="DRAFT", source=sandbox),
        RemotePackage(id="3", name="Elsewhere package", status="DRAFT",
                      source="https://other.my.workfront.com", packageEntities=entities),
        RemotePackage(id="4", name="Broken package", status="ASSEMBLING_FAILED"),
        RemotePackage(id="5", name="Good package", status="PUBLIC", source=sandbox,
                      packageEntities=entities),
    ]
    outcome = Outcome()
    api = SimpleNamespace(capabilities=CURRENT.capabilities)
    drafts = asyncio.run(_drafts(api, config, packages, ImportRequest(), outcome))  # type: ignore[arg-type]
    assert [d.doc for d in drafts] == [{
        "name": "Good package", "source": "sandbox", "status": "ACTIVE",
        "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": ID,
                                                                 "name": "Onboarding"}]}]}]
    refused = "\n".join(outcome.refused)
    assert "same name (2)" in refused and "same name (1)" in refused
    assert "'https://other.my.workfront.com' is no environment" in refused
    assert "ASSEMBLING_FAILED cannot be declared" in "\n".join(outcome.skipped)
