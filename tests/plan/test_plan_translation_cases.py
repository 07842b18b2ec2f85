"""Editing the pre-run's translation map, case by case: the exact refusal a user reads (message,
hint, file:line), the IGNORE cascade whatever the order of the records, and the preview."""

from __future__ import annotations

import pytest

from reconciler.domain.remote import TranslationEntry, TranslationMap
from reconciler.errors import Location
from reconciler.plan.translation import MapRefused, edit_map, ignored_children, records_by_action

A, B, C, D, E = ("a" * 32, "b" * 32, "c" * 32, "d" * 32, "e" * 32)


def entry(action: str, target: str = "", name: str = "") -> TranslationEntry:
    return TranslationEntry(name=name, action=action, isValid=True, targetId=target)


def refusal(prerun: TranslationMap, origin: str | None = "packages/agency.yaml:9",
            existing: str = "use", **overrides: dict[str, str]) -> MapRefused:
    with pytest.raises(MapRefused) as caught:
        edit_map(prerun, existing=existing, overrides=overrides, environment="preview",
                 origin=origin)
    return caught.value


PRERUN: TranslationMap = {
    "TMPL": {A: entry("CREATE", name="Onboarding"), B: entry("USEEXISTING", "1" * 32)},
    "TTSK": {C: entry("CREATE", name="Kickoff")}}


def test_overrides_naming_unknown_records_are_refused_word_for_word() -> None:
    problem = refusal(PRERUN, TTSK={E: "IGNORE"}, QUED={D: "CREATE"})
    assert problem.message == (
        "install into 'preview': override(s) name source IDs the pre-run did not list: "
        f"QUED {D}, TTSK {E}")
    assert problem.hint == ("an override names a record of the package by objCode and source "
                            "ID; see `wfpromote plan --prerun` for the records of the map")
    assert problem.location == Location("packages/agency.yaml", 9)


def test_records_matched_to_nothing_are_refused_word_for_word() -> None:
    prerun: TranslationMap = {"TMPL": {A: entry("CREATE", name="Onboarding")},
                              "GROUP": {D: entry("CREATE")}}
    problem = refusal(prerun, TMPL={A: "OVERWRITING"}, GROUP={D: "USEEXISTING"})
    assert problem.message == (
        "install into 'preview': the pre-run matched nothing in the target for "
        f"TMPL Onboarding (OVERWRITING), GROUP {D} (USEEXISTING)")
    assert problem.hint == ("USEEXISTING and OVERWRITING need a record the pre-run found in "
                            "the target; use CREATE (or drop the override, or `existing: use`)")
    assert problem.location == Location("packages/agency.yaml", 9)


def test_the_cascade_is_refused_word_for_word() -> None:
    prerun: TranslationMap = {"TMPL": {A: entry("CREATE")},
                              "TTSK": {C: entry("CREATE", name="Kickoff"), E: entry("CREATE")},
                              "PARAM": {B: entry("CREATE", name="Region")},
                              "POPT": {D: entry("CREATE", name="EMEA")}}
    problem = refusal(prerun, TMPL={A: "IGNORE"}, PARAM={B: "IGNORE"})
    assert problem.message == (
        "install into 'preview': ignored record(s) the pre-run would create have children "
        f"that are not ignored: TMPL {A} -> TTSK Kickoff, TTSK {E}; PARAM Region -> POPT EMEA")
    assert problem.hint == ("ignore those children too (overrides: CODE: {ID: IGNORE}), or do "
                            "not ignore the parent (children judged by objCode, as the service "
                            "reported no parent links)")
    assert problem.location == Location("packages/agency.yaml", 9)


@pytest.mark.parametrize(("origin", "where"), [
    ("packages/team:a.yaml:12", Location("packages/team:a.yaml", 12)),  # the last colon
    ("packages/agency.yaml", Location("packages/agency.yaml")),         # no line
    ("packages/agency.yaml:top", Location("packages/agency.yaml:top")),  # not a line
    (None, None),
])
def test_the_refusal_points_at_the_declaration(origin: str | None,
                                               where: Location | None) -> None:
    assert refusal(PRERUN, origin, TMPL={A: "USEEXISTING"}).location == where


def test_an_unchanged_map_says_so_with_a_bool() -> None:
    assert edit_map(PRERUN, existing="use", overrides={}, environment="preview").changed is False
    assert edit_map(PRERUN, existing="overwrite", overrides={},
                    environment="preview").changed is True


def test_the_cascade_holds_whatever_the_order_of_the_records() -> None:
    # The created parent comes after a record that needs no cascade.
    prerun: TranslationMap = {"TMPL": {B: entry("USEEXISTING", "1" * 32), A: entry("CREATE")},
                              "TTSK": {C: entry("CREATE", name="Kickoff")}}
    problem = refusal(prerun, TMPL={B: "IGNORE", A: "IGNORE"})
    assert problem.message.endswith(f"TMPL {A} -> TTSK Kickoff")


def test_ignored_children_reads_only_records_the_pre_run_would_create() -> None:
    # A record the pre-run did not list was never going to be created: no cascade for it.
    edited: TranslationMap = {"TMPL": {A: entry("IGNORE")}, "TTSK": {C: entry("CREATE")}}
    assert ignored_children({}, edited) == []
    assert ignored_children({"TMPL": {A: entry("create")}}, edited) == [f"TMPL {A} -> TTSK {C}"]


def test_records_by_action_groups_labels_by_action_in_objcode_order() -> None:
    tmap: TranslationMap = {"TTSK": {C: entry("CREATE", name="Kickoff")},
                            "GROUP": {D: entry("USEEXISTING", "2" * 32, name="Default")},
                            "TMPL": {A: entry("CREATE", name="Onboarding"), B: entry("")}}
    assert records_by_action(tmap) == {"USEEXISTING": ("GROUP Default",),
                                       "CREATE": ("TMPL Onboarding", "TTSK Kickoff"),
                                       "?": (f"TMPL {B}",)}
    assert records_by_action({}) == {}
