"""A pinned id that a create-then-disable replace retired follows to its successor.

Before, the next plan re-enabled the pinned (old) version and disabled the new one, and the
run after that flipped them back: the pin had to be edited by hand first, and nothing said so
after the apply.
"""

from __future__ import annotations

from plan_factories import pkg_id, remote_of, settings, spec

from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan


def _replaced(old_id: str) -> tuple:  # type: ignore[type-arg]
    before = spec("Risk Register", status="ACTIVE", id=old_id)
    after = spec("Risk Register", status="ACTIVE", id=old_id,
                 entities=("New Agency Onboarding", "Campaign Launch"))
    old = remote_of(before, status="DISABLED")
    new = remote_of(after, id=pkg_id("successor"))
    return after, old, new


def test_pin_on_a_replaced_version_follows_to_the_successor_and_says_so() -> None:
    old_id = pkg_id("pinned")
    declared, old, new = _replaced(old_id)
    p = plan([declared], [old, new], settings())
    assert not p.has_changes, [a.data() for a in p.changes]
    assert [a.package_id for a in p.actions] == [new.id]
    assert any(f"id: {new.id}" in w and old_id in w for w in p.warnings)


def test_pin_on_a_disabled_package_without_a_successor_is_reenabled_as_before() -> None:
    old_id = pkg_id("pinned")
    declared, old, _ = _replaced(old_id)
    p = plan([declared], [remote_of(spec("Risk Register", id=old_id), status="DISABLED",
                                    digest=declared.digest())], settings())
    (action,) = p.actions
    assert (action.kind, action.package_id) == (ActionKind.UPDATE, old.id)


def test_pin_on_a_live_package_is_never_redirected() -> None:
    old_id = pkg_id("pinned")
    declared, _, new = _replaced(old_id)
    live_old = remote_of(spec("Risk Register", status="ACTIVE", id=old_id))
    p = plan([declared], [live_old, new], settings())
    assert p.actions[0].package_id == old_id
