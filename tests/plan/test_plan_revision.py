"""`revision:` is part of the declared content; raising it alone is reported as such."""

from __future__ import annotations

from plan_factories import LEGACY, remote_of, settings, spec

from reconciler.domain.declared import PackageSpec
from reconciler.output.renderers import render
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.ownership import parse_marker, strip_marker, with_marker
from reconciler.plan.planner import plan


def revised(revision: int | None, **kwargs: object) -> PackageSpec:
    return spec("Agency Templates", **kwargs).model_copy(update={"revision": revision})  # type: ignore[arg-type]


def test_revision_is_part_of_the_digest_only_when_declared() -> None:
    assert revised(None).digest() == spec("Agency Templates").digest()
    assert len({revised(None).digest(), revised(3).digest(), revised(4).digest()}) == 3


def test_the_marker_records_the_revision() -> None:
    text = with_marker("Text", "acme", "a" * 64, 3)
    assert text.endswith("digest=" + "a" * 64 + " revision=3")
    assert parse_marker(text).revision == 3  # type: ignore[union-attr]
    assert parse_marker(with_marker("", "acme", "a" * 64)).revision is None  # type: ignore[union-attr]
    assert strip_marker(text) == "Text"
    one_line = text.replace("\n\n", " ")  # a service that keeps one line
    assert parse_marker(one_line).revision == 3 and strip_marker(one_line) == "Text"  # type: ignore[union-attr]


def remote_at(old: PackageSpec, new: PackageSpec) -> object:
    return remote_of(new, description=with_marker("", "acme-workfront", old.digest(),
                                                   old.revision), owner=None)


def test_raised_revision_plans_a_replace_in_each_profile() -> None:
    old, new = revised(3), revised(4)
    # Content by reference is re-made as a new package under 2023 too (issue 19, item 2).
    for caps, strategy in ((None, "create_then_disable"), (LEGACY, "create_then_disable")):
        options = {"capabilities": caps} if caps else {}
        result = plan([new], [remote_at(old, new)], settings(**options))  # type: ignore[list-item]
        (action,) = result.actions
        assert (action.kind, action.reason) == (ActionKind.REPLACE, Reason.REVISION_RAISED)
        assert action.data()["strategy"] == strategy
        assert "replace (revision 3 -> 4" in render(result, "text")
        assert parse_marker((action.data()["after"] or {})["description"]).revision == 4  # type: ignore


def test_revision_and_content_changed_together_is_a_content_change() -> None:
    old, new = revised(3), revised(4, entities=("Campaign Launch",))
    (action,) = plan([new], [remote_at(old, new)], settings()).actions  # type: ignore[list-item]
    assert action.reason is Reason.CONTENT_CHANGED
    assert ("revision", 3, 4) in [(d.path, d.old, d.new) for d in action.diffs]


def test_first_revision_on_a_package_without_one() -> None:
    old, new = revised(None), revised(1)
    result = plan([new], [remote_at(old, new)], settings())  # type: ignore[list-item]
    assert result.actions[0].reason is Reason.REVISION_RAISED
    assert "replace (revision none -> 1" in render(result, "text")
    unchanged = plan([new], [remote_at(new, new)], settings())  # type: ignore[list-item]
    assert unchanged.actions[0].kind is ActionKind.NOOP


def test_a_revision_diff_is_a_change_even_from_or_to_none() -> None:
    for old, new in ((None, 1), (3, None), (3, 4)):
        before, after = revised(old), revised(new)
        (action,) = plan([after], [remote_at(before, after)], settings()).actions  # type: ignore[list-item]
        (diff,) = [d for d in action.diffs if d.path == "revision"]
        assert diff.data() == {"path": "revision", "op": "change", "old": old, "new": new}
