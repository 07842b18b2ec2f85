"""Which objects a package holds, case by case: reading ``packageEntities`` as served, telling
the objects a package names from the sub-objects its parents pulled in, and the diff."""

from __future__ import annotations

from plan_factories import seed_id, spec

from reconciler.plan.model import DiffOp
from reconciler.plan.object_diff import object_diffs, served_objects, top_level


def test_served_objects_reads_both_id_spellings_and_skips_what_is_not_a_record() -> None:
    assert served_objects({
        "tmpl": ["not a record", {"ID": " AA ", "name": "Onboarding"},
                 {"id": "BB", "name": 5}, {"name": "no id"}],
        "PTLSEC": None,            # not a list: no records
        "UIVW": {"ID": "DD"},      # not a list either
    }) == {"TMPL": {"aa": "Onboarding", "bb": None}, "PTLSEC": {}, "UIVW": {}}
    assert served_objects(None) == {}


def test_a_served_parent_hides_its_possible_sub_objects() -> None:
    dashboard, report = {"a": "Agency Dashboard"}, {"d": "Agency Throughput"}
    assert top_level({"PTLTAB": dashboard, "PTLSEC": report}) == {"PTLTAB": dashboard}
    # A code with no records is no parent; a sub-object code (TTSK) is never named.
    assert top_level({"PTLTAB": {}, "PTLSEC": report}) == {"PTLSEC": report}
    assert top_level({"TTSK": {"t": "Kickoff"}, "TMPL": {"a": "Onboarding"}}) == {
        "TMPL": {"a": "Onboarding"}}
    # Codes unrelated to each other are both named.
    assert top_level({"HOURT": {"h": "Billable"}, "EXPTYP": {"e": "Travel"}}) == {
        "HOURT": {"h": "Billable"}, "EXPTYP": {"e": "Travel"}}


def test_a_declared_parent_hides_sub_objects_but_not_the_declared_ones() -> None:
    served = {"PTLSEC": {"d": "Agency Throughput", "e": "Agency Backlog"}}
    declared = {"PTLTAB": {"a": "Agency Dashboard"}, "PTLSEC": {"d": "Agency Throughput"}}
    assert top_level(served, declared) == {"PTLSEC": {"d": "Agency Throughput"}}
    # A code the table does not know has no sub-objects.
    assert top_level(served, {"CUSTOM": {"x": None}}) == served


def test_a_declared_parent_not_served_yet_is_added_and_its_code_children_stay_quiet() -> None:
    dashboard = spec("Agency Dashboard", code="PTLTAB", entities=("Agency Performance",))
    entities = {"PTLSEC": [{"id": "d" * 32, "name": "Agency Throughput"}]}
    diffs = object_diffs(dashboard, entities)
    ident = seed_id("Agency Performance", "PTLTAB")
    assert [(d.path, d.op, d.old, d.new) for d in diffs] == [
        (f"objects.PTLTAB[{ident}]", DiffOp.ADD, None, "Agency Performance")]


def test_an_object_of_a_code_not_declared_is_removed() -> None:
    templates = spec("Agency Templates", entities=("New Agency Onboarding",))
    entities = {"TMPL": [{"id": seed_id("New Agency Onboarding"), "name": "x"}],
                "HOURT": [{"id": "h" * 32, "name": "Billable"}]}
    diffs = object_diffs(templates, entities)
    assert [(d.path, d.op, d.old, d.new) for d in diffs] == [
        (f"objects.HOURT[{'h' * 32}]", DiffOp.REMOVE, "Billable", None)]
