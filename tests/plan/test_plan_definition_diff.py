"""A changed definition-by-value package is shown record by record, not only as digests."""

from __future__ import annotations

from plan_factories import LEGACY, remote_of, settings, spec

from reconciler.plan.definition_diff import definition_diffs
from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare

FORM = "a" * 32
BUDGET = "b" * 32
REGION = "c" * 32
OLD = {"CTGY": [{"id": FORM, "name": "Brief", "description": "old text"}],
       "PARAM": [{"id": BUDGET, "name": "Budget"}]}
NEW = {"CTGY": [{"ID": FORM.upper(), "name": "Brief", "description": "new text"}],
       "PARAM": [{"id": BUDGET, "name": "Budget (USD)", "fieldType": "TEXT"},
                 {"id": REGION, "name": "Region"}]}


def test_fields_added_removed_and_changed_are_listed() -> None:
    served = {**OLD, "PARAMOPT": [{"id": "d" * 32, "name": "Gold"}],  # expanded, not declared
              "CTGY": [{**OLD["CTGY"][0], "customerId": "x"}]}         # server-added field
    diffs = {d.path: (d.old, d.new) for d in definition_diffs(NEW, served)}
    assert diffs == {
        f"packageEntities.CTGY[{FORM}].description": ("old text", "new text"),
        f"packageEntities.PARAM[{BUDGET}].name": ("Budget", "Budget (USD)"),
        f"packageEntities.PARAM[{REGION}]": (None, {"name": "Region"}),
    }


def test_without_field_comparison_only_records_in_or_out_show() -> None:
    served = {"CTGY": OLD["CTGY"], "PARAM": [{"id": "e" * 32, "name": "Dropped"}]}
    diffs = {d.path: (d.old, d.new)
             for d in definition_diffs(NEW, served, compare_fields=False)}
    assert diffs == {
        f"packageEntities.PARAM[{BUDGET}]": (None, {"name": "Budget (USD)"}),
        f"packageEntities.PARAM[{REGION}]": (None, {"name": "Region"}),
        f"packageEntities.PARAM[{'e' * 32}]": ({"name": "Dropped"}, None),
    }


def test_unchanged_definition_has_no_diffs() -> None:
    assert definition_diffs(OLD, OLD) == []
    assert definition_diffs(NEW, None) == []


def test_planner_fetches_and_shows_a_changed_definition() -> None:
    before, after = spec("Campaign Brief", definition=OLD), spec("Campaign Brief", definition=NEW)
    listed = remote_of(after, digest=before.digest())
    assert prepare([after], [listed], settings(capabilities=LEGACY)).details == {listed.id}
    assert prepare([before], [remote_of(before)], settings(capabilities=LEGACY)).details == set()

    fetched = listed.model_copy(update={"packageEntities": OLD})
    (action,) = plan([after], [fetched], settings(capabilities=LEGACY)).actions
    assert action.kind is ActionKind.REPLACE
    paths = [d.path for d in action.diffs]
    assert paths[0] == "content"
    assert f"packageEntities.PARAM[{BUDGET}].name" in paths
