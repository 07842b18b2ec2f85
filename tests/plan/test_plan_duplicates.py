"""Two live packages of ours with one name and one content digest (a create whose lost POST
was committed after all, issue 19 item 1) never stop planning: one is kept (an installed
one, else the oldest), the others are disabled, and the plan says so."""

from __future__ import annotations

import pytest
from plan_factories import OWNER, pkg_id, remote_of, settings, spec
from test_plan_installs import inst, with_installs
from test_plan_installs import settings as install_settings

from reconciler.errors import WfpromoteError
from reconciler.plan.identity import match_packages
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan

NAME = "Agency Onboarding"


def _twins(s, statuses=("DRAFT", "DRAFT")):  # type: ignore[no-untyped-def]
    first = remote_of(s, id=pkg_id("first"), status=statuses[0],
                      createdAt="2026-01-01T00:00:00.000Z")
    second = remote_of(s, id=pkg_id("second"), status=statuses[1],
                       createdAt="2026-01-01T00:00:05.000Z")
    return first, second


def test_the_oldest_is_kept_and_the_duplicate_disabled_once_the_kept_one_is_usable() -> None:
    desired = spec(NAME)
    first, second = _twins(desired)
    result = plan([desired], [second, first], settings())
    [action] = [a for a in result.actions if a.kind is not ActionKind.NOOP]
    assert (action.kind, action.reason, action.package_id) == \
        (ActionKind.DISABLE, Reason.DUPLICATE, second.id)
    assert action.change.successor_id == first.id  # type: ignore[union-attr]
    assert any("duplicate" in w and first.id in w and second.id in w for w in result.warnings)


def test_duplicates_of_an_older_content_are_replaced_and_retired() -> None:
    desired = spec(NAME, entities=("New Agency Onboarding", "Campaign Launch"))
    old = spec(NAME)
    first, second = _twins(old)
    result = plan([desired], [first, second], settings())
    kinds = {(a.kind, a.package_id) for a in result.actions}
    assert (ActionKind.REPLACE, first.id) in kinds
    assert (ActionKind.DISABLE, second.id) in kinds


def test_an_installed_duplicate_is_the_one_kept() -> None:
    desired = with_installs("ACTIVE", {"environment": "preview"})
    first, second = _twins(desired, ("ACTIVE", "ACTIVE"))
    history = {second.id: [inst("acme.preview.workfront.com", "INSTALLED", second.id)]}
    result = plan([desired], [first, second], install_settings(), history)
    disables = [a for a in result.actions if a.kind is ActionKind.DISABLE]
    assert [a.package_id for a in disables] == [first.id]
    assert not [a for a in result.actions if a.kind is ActionKind.INSTALL]


def test_a_package_of_another_owner_with_the_same_content_is_no_duplicate_of_ours() -> None:
    desired = spec(NAME)
    first, _ = _twins(desired)
    foreign = remote_of(desired, owner="someone-else", id=pkg_id("foreign"))
    with pytest.raises(WfpromoteError, match="matches several remote packages"):
        match_packages([desired], [first, foreign], OWNER)


def test_a_duplicate_still_assembling_is_retired_after_its_assembly() -> None:
    desired = spec(NAME)
    first, second = _twins(desired, ("DRAFT", "ASSEMBLING"))
    [match] = match_packages([desired], [first, second], OWNER)
    assert (match.remote, match.twins) == (first, (second,))


def test_the_next_plan_after_the_retirement_is_empty() -> None:
    desired = spec(NAME)
    first, second = _twins(desired)
    retired = second.model_copy(update={"status": "DISABLED"})
    result = plan([desired], [first, retired], settings())
    assert [a.kind for a in result.actions] == [ActionKind.NOOP] or not result.has_changes
