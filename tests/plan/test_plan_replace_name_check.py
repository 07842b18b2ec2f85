"""--replace NAME must name a selected, declared package; a typo used to do nothing."""

from __future__ import annotations

import pytest
from plan_factories import remote_of, settings, spec

from reconciler.errors import WfpromoteError
from reconciler.plan.model import ActionKind
from reconciler.plan.planner import plan


def test_replace_of_unknown_name_is_an_error_with_a_suggestion() -> None:
    s = spec("Risk and Issue Register")
    with pytest.raises(WfpromoteError, match="no declared package") as caught:
        plan([s], [remote_of(s)], settings(replaces=frozenset({"Risk and Issue Registr"})))
    assert "did you mean 'Risk and Issue Register'" in (caught.value.hint or "")


def test_replace_of_a_package_outside_the_selection_is_an_error() -> None:
    a, b = spec("Agency Onboarding"), spec("Risk Register")
    with pytest.raises(WfpromoteError, match="left out by --target"):
        plan([a, b], [remote_of(a), remote_of(b)],
             settings(targets=("Agency*",), replaces=frozenset({"Risk Register"})))


def test_replace_of_a_declared_selected_name_still_replaces() -> None:
    s = spec("Risk Register")
    p = plan([s], [remote_of(s)], settings(replaces=frozenset({"Risk Register"})))
    assert [a.kind for a in p.actions] == [ActionKind.REPLACE]


def test_rename_without_pin_warns_with_the_id_line_to_add() -> None:
    from plan_factories import pkg_id
    old = spec("Risk Register")
    renamed = spec("Risk Log")  # same objects: same content digest
    remote = remote_of(old, id=pkg_id("old"))
    p = plan([renamed], [remote], settings())
    assert sorted(a.kind for a in p.actions) == sorted([ActionKind.CREATE, ActionKind.DISABLE])
    assert any(f"id: {remote.id}" in w and "rename" in w for w in p.warnings)


def test_new_package_with_other_content_gets_no_rename_warning() -> None:
    old = spec("Risk Register")
    other = spec("Risk Log", entities=("Campaign Launch",))
    p = plan([other], [remote_of(old)], settings())
    assert not any("rename" in w for w in p.warnings)
