"""Installed means this content (issue 18, item 1), in the pure core: the marker's ``prior``
keys, what a PUT replace writes into it, and which installations count."""

from __future__ import annotations

from plan_factories import LEGACY, OWNER, remote_of, spec
from test_plan_install_cases import ENVS, KINDS, NAME, ORIGIN, declared, settings

from reconciler.domain.declared import PackageSpec
from reconciler.domain.remote import Installation, environment_key
from reconciler.plan.installs import last_outcome, matching, prior_installations
from reconciler.plan.model import ActionKind
from reconciler.plan.ownership import installation_key, parse_marker, with_marker
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare

PREVIEW = environment_key(ENVS["preview"])


def inst(ident: str, status: str = "INSTALLED", package_id: str = "p-1") -> Installation:
    return Installation(id=ident, environmentPromotionPackageId=package_id,
                        environmentPromotionPackageVersion=1, status=status,
                        environment=PREVIEW, registeredAt="2026-01-01T00:00:00.000Z")


def test_the_marker_round_trips_prior_keys_and_old_markers_read_as_before() -> None:
    text = with_marker("Text", OWNER, "a" * 64, 3, prior={"0badc0de", "12345678"})
    assert text.endswith(f"digest={'a' * 64} revision=3 prior=0badc0de,12345678")
    marker = parse_marker(text)
    assert marker is not None
    assert (marker.revision, marker.prior) == (3, frozenset({"0badc0de", "12345678"}))
    # a service that keeps descriptions on one line
    marker = parse_marker(text.replace("\n\n", " "))
    assert marker is not None and marker.prior == frozenset({"0badc0de", "12345678"})
    old = parse_marker(with_marker("", OWNER, "b" * 64))
    assert old is not None and old.prior == frozenset() and "prior" not in old.line()
    # keys are a hash of the id, so counter ids sharing a prefix get distinct keys
    assert installation_key("00000000-0000-0000-0000-000000000001") != \
        installation_key("00000000-0000-0000-0000-000000000002")
    assert installation_key(" ABC ") == installation_key("abc")
    assert len(installation_key("x")) == 8


def test_prior_installations_are_earlier_content_and_never_count() -> None:
    history = [inst("i-old"), inst("i-pre", "PREPARING"), inst("i-fail", "FAILED")]
    prior = prior_installations(history)
    assert prior == {installation_key("i-old"), installation_key("i-fail")}
    remote = remote_of(declared("ACTIVE"), id="p-1")
    assert [i.id for i in matching(history, remote, PREVIEW)] == ["i-old", "i-fail"]
    assert matching(history, remote, PREVIEW, prior) == []
    assert last_outcome(history, remote, PREVIEW, prior) == ("none", None)
    history.append(inst("i-new"))
    assert last_outcome(history, remote, PREVIEW, prior)[1] == history[-1]


def by_value(*names: str) -> PackageSpec:
    """A package declared by value (a PUT replaces its content in place under 2023; by
    reference, new content is a new package there too), installed into preview then
    production."""
    base = spec(NAME, status="ACTIVE", definition={
        "PARAM": [{"id": f"{i:032x}", "name": n} for i, n in enumerate(names, 1)]})
    steps = declared("ACTIVE", {"environment": "preview"},
                     {"environment": "production", "after": ["preview"]}).install
    return base.model_copy(update={"install": steps, "origin": ORIGIN})


def test_a_put_replace_records_the_installations_of_the_earlier_content() -> None:
    old = by_value("Budget")
    new = by_value("Budget", "Owner")
    remote = remote_of(old, id="p-1", version=1)
    history = [inst("i-1"), inst("i-2", "PREPARING")]
    chosen = settings(capabilities=LEGACY, environment_kinds=KINDS)
    assert prepare([new], [remote], chosen).histories == {"p-1"}
    result = plan([new], [remote], chosen, {"p-1": history})
    [replace] = [a for a in result.actions if a.kind is ActionKind.REPLACE]
    marker = parse_marker(replace.data()["after"]["description"])
    assert marker is not None and marker.digest == new.digest()
    assert marker.prior == {installation_key("i-1")}
    installs = [a for a in result.actions if a.kind is ActionKind.INSTALL]
    assert [a.change.content for a in installs] == [new.digest()] * 2  # type: ignore[union-attr]

    # The next plan, after the PUT: the earlier install does not count, the gate waits.
    replaced = remote_of(new, id="p-1", version=1, owner=None,
                         description=replace.data()["after"]["description"])
    result = plan([new], [replaced], chosen, {"p-1": history})
    installs = [a for a in result.actions if a.kind is ActionKind.INSTALL]
    assert [(a.environment, a.reason.value, a.blocked) for a in installs] == [
        ("preview", "install_requested", None), ("production", "install_requested", None)]
    assert installs[1].data()["after"]["gates"] == ["after preview: planned"]
    assert installs[0].change.prior == {installation_key("i-1")}  # type: ignore[union-attr]
    # not in the saved document: apply of a saved plan runs the plan made again
    assert "prior" not in installs[0].data()["after"]
    # An install of this content completes: done, and the gate opens.
    history.append(inst("i-3"))
    result = plan([new], [replaced], chosen, {"p-1": history})
    installs = [a for a in result.actions if a.kind is ActionKind.INSTALL]
    assert [(a.environment, a.data()["after"]["gates"]) for a in installs] == [
        ("production", ["after preview: done"])]


def test_histories_are_read_for_a_put_replace_without_installs_only_under_put() -> None:
    old = declared("ACTIVE")
    new = declared("ACTIVE", entities=("Campaign Launch",))
    remote = remote_of(new, digest=old.digest(), id="p-1", version=1)
    assert prepare([new], [remote], settings(capabilities=LEGACY)).histories == {"p-1"}
    assert prepare([new], [remote], settings()).histories == frozenset()
    same = remote_of(new, id="p-1", version=1)
    assert prepare([new], [same], settings(capabilities=LEGACY)).histories == frozenset()


def test_an_install_of_another_version_is_skipped_not_the_end_of_the_history() -> None:
    remote = remote_of(declared("ACTIVE"), id="p-1", version=2)
    other = Installation(id="v1", environmentPromotionPackageId="p-1",
                         environmentPromotionPackageVersion=1, status="INSTALLED",
                         environment=PREVIEW)
    this = Installation(id="v2", environmentPromotionPackageId="p-1",
                        environmentPromotionPackageVersion=2, status="INSTALLED",
                        environment=PREVIEW)
    assert [i.id for i in matching([other, this], remote, PREVIEW)] == ["v2"]


def test_new_content_installs_carry_no_prior_keys() -> None:
    old = declared("ACTIVE", {"environment": "preview"})
    new = declared("ACTIVE", {"environment": "preview"},
                   entities=("New Agency Onboarding", "Campaign Launch"))
    text = with_marker("", OWNER, old.digest(), prior={"0badc0de"})
    remote = remote_of(new, id="p-1", version=1, owner=None, description=text)
    result = plan([new], [remote], settings(capabilities=LEGACY, environment_kinds=KINDS),
                  {"p-1": [inst("i-1")]})
    [install] = [a for a in result.actions if a.kind is ActionKind.INSTALL]
    assert install.reason.value == "new_version"
    assert install.change.prior == frozenset()  # type: ignore[union-attr]
    same = remote_of(new, id="p-1", version=1, owner=None,
                     description=with_marker("", OWNER, new.digest(), prior={"0badc0de"}))
    result = plan([new], [same], settings(capabilities=LEGACY, environment_kinds=KINDS,
                                          reinstall=frozenset({"preview"})),
                  {"p-1": [inst("i-1")]})
    [install] = [a for a in result.actions if a.kind is ActionKind.INSTALL]
    assert install.change.prior == {"0badc0de"}  # type: ignore[union-attr]


def test_an_unfinished_record_in_the_history_asks_apply_for_a_fresh_look() -> None:
    """A PREPARING record (a pre-run, or an install a killed run left under way) marks the
    install ``unfinished``; a finished history does not (apply then reads nothing more)."""
    package = declared("ACTIVE", {"environment": "preview"})
    remote = remote_of(package, id="p-1", version=1)
    chosen = settings(environment_kinds=KINDS)

    def unfinished(history: list[Installation]) -> bool:
        [install] = [a for a in plan([package], [remote], chosen, {"p-1": history}).actions
                     if a.kind is ActionKind.INSTALL]
        return install.change.unfinished  # type: ignore[union-attr]

    assert unfinished([inst("i-1", "FAILED"), inst("i-2", "PREPARING")])
    assert not unfinished([inst("i-1", "FAILED")])
    assert not unfinished([inst("i-2", "PREPARING", package_id="p-other")])
