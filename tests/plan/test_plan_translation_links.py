"""The IGNORE cascade by the package's own parent links (issue 18 item 2), and CREATE of a
matched record whose names must be unique (item 5): pure, no service."""

from __future__ import annotations

import pytest

from reconciler.domain.objcodes import may_repeat_names
from reconciler.domain.remote import TranslationEntry, TranslationMap
from reconciler.plan.translation import (
    MapRefused,
    edit_map,
    ignored_children,
    ignores_a_created_record,
    parent_links,
)

ON, OFF = "a" * 32, "b" * 32              # two templates
ON_T1, ON_T2, OFF_T1 = "c" * 32, "d" * 32, "e" * 32
ASSIGN = "f" * 32                          # a grandchild of ON, under ON_T1
GROUP = "1" * 32


def entry(action: str, name: str, target: str = "") -> TranslationEntry:
    return TranslationEntry(name=name, action=action, isValid=True, targetId=target)


PRERUN: TranslationMap = {
    "TMPL": {ON: entry("CREATE", "Onboarding"), OFF: entry("CREATE", "Offboarding")},
    "TTSK": {ON_T1: entry("CREATE", "Kickoff"), ON_T2: entry("CREATE", "Setup"),
             OFF_T1: entry("CREATE", "Exit Interview")},
    "TASSGN": {ASSIGN: entry("CREATE", "Kickoff: AM")},
}
ENTITIES = {
    "TMPL": [{"id": ON, "name": "Onboarding", "parentID": None},
             {"id": OFF, "name": "Offboarding", "parentID": None}],
    "TTSK": [{"id": ON_T1, "parentID": ON}, {"id": ON_T2, "parentID": ON},
             {"id": OFF_T1.upper(), "parentID": OFF.upper()}],
    "TASSGN": [{"id": ASSIGN, "parentID": ON_T1}],
}
LINKS = parent_links(ENTITIES)


def test_parent_links_are_read_from_the_entities_or_are_unknown() -> None:
    assert LINKS is not None and LINKS[OFF_T1] == OFF and LINKS[ON] is None
    assert LINKS[ASSIGN] == ON_T1
    assert parent_links({"TMPL": [{"id": ON, "name": "Onboarding"}]}) is None
    assert parent_links(None) is None
    assert parent_links({"TMPL": [{"ID": ON, "parentId": OFF}]}) == {ON: OFF}


def test_ignoring_one_template_with_its_own_tasks_is_accepted() -> None:
    """The issue's case: the other template's tasks are not the ignored one's children."""
    overrides = {"TMPL": {OFF: "IGNORE"}, "TTSK": {OFF_T1: "IGNORE"}}
    assert ignores_a_created_record(PRERUN, overrides)
    edited = edit_map(PRERUN, existing="use", overrides=overrides, environment="preview",
                      parents=LINKS)
    assert edited.translation_map["TTSK"][ON_T1].action == "CREATE"
    assert edited.translation_map["TMPL"][OFF].action == "IGNORE"
    # without links, the objCode rule asks for the other template's tasks too
    with pytest.raises(MapRefused, match="Offboarding -> TTSK Kickoff, TTSK Setup"):
        edit_map(PRERUN, existing="use", overrides=overrides, environment="preview")


def test_only_its_own_children_are_asked_for() -> None:
    with pytest.raises(MapRefused) as caught:
        edit_map(PRERUN, existing="use", overrides={"TMPL": {OFF: "IGNORE"}},
                 environment="preview", parents=LINKS)
    assert "TMPL Offboarding -> TTSK Exit Interview" in caught.value.message
    assert "Kickoff" not in caught.value.message
    assert "parent links" in (caught.value.hint or "")


def test_a_grandchild_is_asked_for_by_its_own_ignored_parent() -> None:
    overrides = {"TMPL": {ON: "IGNORE"}, "TTSK": {ON_T1: "IGNORE", ON_T2: "IGNORE"}}
    assert ignored_children(PRERUN, edit_map(PRERUN, existing="use", overrides={},
                                             environment="p").translation_map, LINKS) == []
    with pytest.raises(MapRefused, match=r"TTSK Kickoff -> TASSGN Kickoff: AM$"):
        edit_map(PRERUN, existing="use", overrides=overrides, environment="preview",
                 parents=LINKS)
    overrides["TASSGN"] = {ASSIGN: "IGNORE"}
    edit_map(PRERUN, existing="use", overrides=overrides, environment="preview", parents=LINKS)


def test_an_ignored_matched_record_lets_its_dependants_fall_back() -> None:
    prerun = dict(PRERUN, TMPL={ON: entry("USEEXISTING", "Onboarding", "9" * 32),
                                OFF: entry("CREATE", "Offboarding")})
    overrides = {"TMPL": {ON: "IGNORE"}}
    assert not ignores_a_created_record(prerun, overrides)
    for links in (LINKS, None):
        edited = edit_map(prerun, existing="use", overrides=overrides, environment="preview",
                          parents=links)
        assert edited.translation_map["TTSK"][ON_T1].action == "CREATE"


@pytest.mark.parametrize(("code", "refused"), [
    ("GROUP", True), ("ROLE", True), ("TTSK", True), ("SCHED", True),
    ("TMPL", False), ("PTLTAB", False), ("PTLSEC", False), ("UIVW", False), ("UIFT", False),
    ("UIGB", False), ("PROJ", False)])
def test_create_over_a_match_is_refused_where_names_must_be_unique(code: str,
                                                                    refused: bool) -> None:
    prerun: TranslationMap = {code: {GROUP: entry("USEEXISTING", "Default Group", "2" * 32)}}
    assert may_repeat_names(code) is not refused
    overrides = {code: {GROUP: "CREATE"}}
    if not refused:
        edited = edit_map(prerun, existing="use", overrides=overrides, environment="preview")
        assert edited.translation_map[code][GROUP].action == "CREATE"
        return
    with pytest.raises(MapRefused) as caught:
        edit_map(prerun, existing="use", overrides=overrides, environment="production",
                 origin="packages/groups.yaml:4")
    assert caught.value.message == (
        f"install into 'production': CREATE of record(s) the target already holds, whose "
        f"names must be unique there: {code} Default Group; the install would fail on the "
        "duplicate name")
    assert "keep USEEXISTING" in (caught.value.hint or "")


def test_create_of_a_record_the_target_lacks_is_fine_whatever_the_type() -> None:
    prerun: TranslationMap = {"GROUP": {GROUP: entry("CREATE", "Agency Partners")}}
    edit_map(prerun, existing="use", overrides={"GROUP": {GROUP: "CREATE"}},
             environment="preview")
