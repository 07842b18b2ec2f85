"""Names in Unicode NFC and NFD are one name when matching remote packages (issue 19, item 5).

A name typed on one system ("é" as one character) and listed by another ("e" and a combining
accent) must not look like a missing package (a second create) nor like a rename.
"""

from __future__ import annotations

import unicodedata

from plan_factories import pkg_id, remote_of, settings, spec

from reconciler.plan import canonical
from reconciler.plan.model import ActionKind, Reason
from reconciler.plan.planner import plan
from reconciler.plan.selection import Selection

NFC = unicodedata.normalize("NFC", "Café Onboarding")
NFD = unicodedata.normalize("NFD", "Café Onboarding")


def kinds(p):  # type: ignore[no-untyped-def]
    return [(a.kind, a.name, a.reason) for a in p.actions]


def test_the_two_forms_differ_as_text_and_are_one_canonical_name() -> None:
    assert NFC != NFD
    assert canonical.name(NFD) == canonical.name(f" {NFC} ") == NFC


def test_a_declared_nfd_name_matches_the_remote_nfc_package() -> None:
    declared = spec(NFD)
    remote = remote_of(spec(NFD)).model_copy(update={"name": NFC})
    assert kinds(plan([declared], [remote], settings())) == [
        (ActionKind.NOOP, NFD, Reason.UP_TO_DATE)]


def test_a_declared_nfc_name_matches_the_remote_nfd_package() -> None:
    declared = spec(NFC)
    remote = remote_of(spec(NFC)).model_copy(update={"name": NFD})
    assert kinds(plan([declared], [remote], settings())) == [
        (ActionKind.NOOP, NFC, Reason.UP_TO_DATE)]


def test_a_pinned_package_is_not_renamed_for_another_unicode_form() -> None:
    declared = spec(NFC, id=pkg_id("pinned"))
    remote = remote_of(spec(NFC), id=pkg_id("pinned")).model_copy(update={"name": NFD})
    p = plan([declared], [remote], settings())
    assert [a.kind for a in p.actions] == [ActionKind.NOOP]


def test_a_glob_in_one_unicode_form_selects_a_name_in_the_other() -> None:
    selection = Selection(targets=(NFC[:4] + "*",))
    assert selection.includes(NFD)
    assert selection.unmatched([NFD]) == []
    assert not Selection(excludes=(NFD,)).includes(NFC)
