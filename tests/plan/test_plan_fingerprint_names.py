"""A saved plan is stale when a package appears under, or changes beneath, a name it matched by.

Issue 19, item 4: a hand-made package with the name of an owned package the plan leaves
alone slipped past the stale check (only created names were fingerprinted), the saved plan
applied, and every later plan stopped at "matches several remote packages by name".
"""

from __future__ import annotations

import unicodedata

from plan_factories import OWNER, pkg_id, remote_of, settings, spec

from reconciler.plan import fingerprint
from reconciler.plan.planner import plan


def test_a_hand_made_twin_of_an_untouched_owned_package_moves_the_plan() -> None:
    kept, changed = spec("Agency Onboarding"), spec("Campaign Kit", description="new text")
    remote = [remote_of(kept), remote_of(spec("Campaign Kit"))]
    saved = plan([kept, changed], remote, settings()).remote_fingerprints
    assert fingerprint.stale_keys(saved, remote, OWNER) == []
    twin = remote_of(spec("Agency Onboarding"), owner=None, id=pkg_id("by hand"))
    assert fingerprint.stale_keys(saved, [*remote, twin], OWNER) == ["name:Agency Onboarding"]


def test_a_twin_under_a_name_spelled_differently_is_the_same_name() -> None:
    kept = spec("Agency Onboarding")
    saved = plan([kept], [remote_of(kept)], settings()).remote_fingerprints
    twin = remote_of(spec("Agency Onboarding"), owner=None, id=pkg_id("by hand"))
    twin = twin.model_copy(update={"name": "  Agency Onboarding "})
    assert fingerprint.stale_keys(saved, [remote_of(kept), twin], OWNER) == [
        "name:Agency Onboarding"]


def test_a_change_to_a_package_already_under_the_name_moves_the_plan() -> None:
    # An unowned DISABLED twin is superseded: the owned one is the match. Re-enabled, it makes
    # the name ambiguous, so a plan made before is stale.
    kept = spec("Agency Onboarding")
    twin = remote_of(spec("Agency Onboarding"), owner=None, id=pkg_id("by hand"),
                     status="DISABLED")
    remote = [remote_of(kept), twin]
    saved = plan([kept], remote, settings()).remote_fingerprints
    assert twin.id in saved
    enabled = twin.model_copy(update={"status": "ACTIVE"})
    assert fingerprint.stale_keys(saved, [remote_of(kept), enabled], OWNER) == [twin.id]


def test_a_package_under_a_name_the_plan_does_not_match_by_changes_nothing() -> None:
    kept = spec("Agency Onboarding")
    remote = [remote_of(kept)]
    saved = plan([kept], remote, settings()).remote_fingerprints
    stranger = remote_of(spec("Someone Else's"), owner=None, id=pkg_id("stranger"))
    assert fingerprint.stale_keys(saved, [*remote, stranger], OWNER) == []


def test_a_twin_written_in_another_unicode_form_is_under_the_same_name() -> None:
    kept = spec(unicodedata.normalize("NFC", "Café Onboarding"))
    saved = plan([kept], [remote_of(kept)], settings()).remote_fingerprints
    twin = remote_of(kept, owner=None, id=pkg_id("by hand"))
    twin = twin.model_copy(update={"name": unicodedata.normalize("NFD", kept.name)})
    assert fingerprint.stale_keys(saved, [remote_of(kept), twin], OWNER) == [
        "name:" + kept.name]
