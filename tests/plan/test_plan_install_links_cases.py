"""Install planning, the newer rules case by case: an install under way marks the plan's install
unfinished, the parent links read from a package's records, which overrides count as ignoring a
created record, the objCode fallback of the IGNORE cascade, and the unique-name warnings.

Each test calls the public function inside the test (a module-level result is computed once at
import and would not tell a changed function from the right one)."""

from __future__ import annotations

import pytest
from plan_factories import remote_of
from test_plan_install_cases import KINDS, declared, settings
from test_plan_installed_content import PREVIEW

from reconciler.domain.remote import Installation, TranslationEntry, TranslationMap
from reconciler.errors import Location
from reconciler.plan.installs import unfinished
from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan
from reconciler.plan.translation import (
    MapRefused,
    edit_map,
    ignored_children,
    ignores_a_created_record,
    parent_links,
)

TMPL, TASK, OTHER, GROUP = "a" * 32, "b" * 32, "c" * 32, "d" * 32


def entry(action: str, name: str = "", target: str = "") -> TranslationEntry:
    return TranslationEntry(name=name, action=action, isValid=True, targetId=target)


def record(ident: str, status: str, package_id: str | None = "p-1") -> Installation:
    return Installation(id=ident, environmentPromotionPackageId=package_id,
                        environmentPromotionPackageVersion=1, status=status,
                        environment=PREVIEW, registeredAt="2026-01-01T00:00:00.000Z")


# --- unfinished ------------------------------------------------------------------------------

def test_an_install_still_running_is_unfinished_like_a_pre_run() -> None:
    package = declared("ACTIVE", {"environment": "preview"})
    remote = remote_of(package, id="p-1", version=1)
    for status in ("INSTALLING", "IN_PROGRESS", "PREPARING"):
        assert unfinished([record("i-1", "FAILED"), record("i-2", status)], remote,
                          "https://acme.preview.workfront.com")
    for status in ("FAILED", "INSTALLED", "COMPLETED"):
        assert not unfinished([record("i-1", status)], remote,
                              "https://acme.preview.workfront.com")
    # a record with no package id is taken as this package's; another environment's is not
    assert unfinished([record("i-1", "INSTALLING", package_id=None)], remote,
                      "https://acme.preview.workfront.com")
    assert not unfinished([record("i-1", "INSTALLING")], remote,
                          "https://acme.my.workfront.com")


def test_the_plan_marks_an_install_unfinished_while_one_is_running() -> None:
    package = declared("ACTIVE", {"environment": "preview"})
    remote = remote_of(package, id="p-1", version=1)
    result = plan([package], [remote], settings(environment_kinds=KINDS),
                  {"p-1": [record("i-1", "FAILED"), record("i-2", "INSTALLING")]})
    [install] = [a for a in result.actions if a.kind is ActionKind.INSTALL]
    assert install.change.unfinished  # type: ignore[union-attr]


# --- parent links ----------------------------------------------------------------------------

def test_parent_links_read_lower_case_id_and_skip_records_without_one() -> None:
    links = parent_links({"TMPL": [{"name": "no id"}, {"id": TMPL.upper(), "parentID": None}],
                          "TTSK": [{"ID": "", "parentID": TMPL},
                                   {"id": TASK, "parent_id": TMPL.upper()}]})
    assert links == {TMPL: None, TASK: TMPL}
    # "id" is read before "ID"
    assert parent_links({"TTSK": [{"id": TASK, "ID": OTHER, "parentId": TMPL}]}) == {TASK: TMPL}
    assert parent_links({"TTSK": [{"ID": TASK, "parentId": TMPL}]}) == {TASK: TMPL}
    # the parent key counts even when its value is empty; none at all: unknown
    assert parent_links({"TMPL": [{"id": TMPL, "parentID": ""}]}) == {TMPL: None}
    assert parent_links({"TMPL": [{"id": TMPL}], "TTSK": [{"id": TASK}]}) is None
    assert parent_links({}) is None


# --- ignores_a_created_record ----------------------------------------------------------------

def test_ignoring_is_judged_only_for_records_the_pre_run_lists_as_created() -> None:
    prerun: TranslationMap = {"TMPL": {TMPL: entry("create")},
                              "GROUP": {GROUP: entry("USEEXISTING", target=OTHER)}}
    assert ignores_a_created_record(prerun, {"TMPL": {TMPL: "ignore"}})
    assert not ignores_a_created_record(prerun, {"TMPL": {TMPL: "CREATE"}})
    assert not ignores_a_created_record(prerun, {"GROUP": {GROUP: "IGNORE"}})
    # an objCode or a record the pre-run did not list is no created record
    assert not ignores_a_created_record(prerun, {"QUED": {TASK: "IGNORE"}})
    assert not ignores_a_created_record(prerun, {"TMPL": {TASK: "IGNORE"}})
    assert not ignores_a_created_record(prerun, {})


# --- the objCode fallback of the cascade -----------------------------------------------------

def test_an_ignored_record_of_a_type_without_children_needs_nothing_more() -> None:
    prerun: TranslationMap = {"GROUP": {GROUP: entry("CREATE", "Agency Partners")},
                              "TTSK": {TASK: entry("CREATE", "Kickoff")}}
    edited = edit_map(prerun, existing="use", overrides={"GROUP": {GROUP: "IGNORE"}},
                      environment="preview")
    assert edited.translation_map["GROUP"][GROUP].action == "IGNORE" and edited.changed
    assert ignored_children(prerun, edited.translation_map) == []


def test_create_over_a_unique_name_match_is_refused_word_for_word_at_its_line() -> None:
    prerun: TranslationMap = {"GROUP": {GROUP: entry("USEEXISTING", "Default Group", OTHER),
                                        TASK: entry("USEEXISTING", "", TMPL)}}
    with pytest.raises(MapRefused) as caught:
        edit_map(prerun, existing="use", overrides={"GROUP": {GROUP: "CREATE", TASK: "CREATE"}},
                 environment="production", origin="packages/groups.yaml:4")
    assert caught.value.message == (
        "install into 'production': CREATE of record(s) the target already holds, whose names "
        f"must be unique there: GROUP Default Group, GROUP {TASK}; the install would fail on "
        "the duplicate name")
    assert caught.value.location == Location("packages/groups.yaml", 4)
    assert caught.value.hint == (
        "names of groups (and of every type the docs do not say may repeat a name) are unique "
        "in an environment; keep USEEXISTING (drop the CREATE override) or OVERWRITING, or "
        "rename the record in the source")


# --- unique-name warnings --------------------------------------------------------------------

def test_a_create_override_on_a_unique_name_type_is_warned_about_word_for_word() -> None:
    package = declared(
        "ACTIVE",
        {"environment": "preview",
         "overrides": {"TMPL": {TMPL: "CREATE"}, "ROLE": {OTHER: "CREATE"},
                       "GROUP": {TASK: "IGNORE", GROUP: "CREATE", OTHER: "CREATE"}}},
        {"environment": "production", "after": ["preview"],
         "overrides": {"group": {TASK: "CREATE"}}})
    result = plan([package], [], settings(environment_kinds=KINDS), None)
    text = ("a type whose names must be unique in the target; if the pre-run finds it there "
            "(USEEXISTING) the install is refused before it is sent (`plan --prerun` tells)")
    assert [w for w in result.warnings if "override CREATE" in w] == [
        f"package 'Agency Onboarding', install into 'preview': override CREATE of GROUP {OTHER}, "
        + text,
        f"package 'Agency Onboarding', install into 'preview': override CREATE of GROUP {GROUP}, "
        + text,
        f"package 'Agency Onboarding', install into 'preview': override CREATE of ROLE {OTHER}, "
        + text,
        f"package 'Agency Onboarding', install into 'production': override CREATE of group "
        f"{TASK}, " + text]
    # templates may repeat names: no word; no CREATE override: no word
    quiet = declared("ACTIVE", {"environment": "preview",
                                "overrides": {"TMPL": {TMPL: "CREATE"},
                                              "GROUP": {GROUP: "IGNORE"}}})
    assert not [w for w in plan([quiet], [], settings(environment_kinds=KINDS), None).warnings
                if "override CREATE" in w]


def test_the_cascade_refusal_says_the_children_were_judged_by_parent_links() -> None:
    prerun: TranslationMap = {"TMPL": {TMPL: entry("CREATE", "Onboarding")},
                              "TTSK": {TASK: entry("CREATE", "Kickoff")}}
    links = parent_links({"TMPL": [{"id": TMPL, "parentID": None}],
                          "TTSK": [{"id": TASK, "parentID": TMPL}]})
    with pytest.raises(MapRefused) as caught:
        edit_map(prerun, existing="use", overrides={"TMPL": {TMPL: "IGNORE"}},
                 environment="preview", origin="packages/agency.yaml:7", parents=links)
    assert caught.value.message == (
        "install into 'preview': ignored record(s) the pre-run would create have children "
        "that are not ignored: TMPL Onboarding -> TTSK Kickoff")
    assert caught.value.hint == (
        "ignore those children too (overrides: CODE: {ID: IGNORE}), or do not ignore the "
        "parent (children judged by its own records (parent links))")
    assert caught.value.location == Location("packages/agency.yaml", 7)
