"""A changed package shows the top-level objects that enter and leave it, in every renderer."""

from __future__ import annotations

import json
import re

from plan_factories import ENVS, remote_of, seed_id, settings, spec

from reconciler.domain.declared import PackageSpec
from reconciler.output.renderers import render
from reconciler.plan.model import ActionKind, DiffOp
from reconciler.plan.object_diff import object_diffs, top_level
from reconciler.plan.planner import plan
from reconciler.plan.prepare import prepare

ONBOARDING, LAUNCH, OFFBOARDING = "New Agency Onboarding", "Campaign Launch", \
    "New Agency Offboarding"


def served(*names: str, code: str = "TMPL") -> dict[str, list[dict[str, str]]]:
    """What GET /packages/{id} shows: the objects and a sub-object of each."""
    return {code: [{"id": seed_id(n, code), "name": n, "description": "null"} for n in names],
            "TTSK": [{"id": seed_id(f"{n} task", "TTSK"), "name": f"{n} task"} for n in names]}


def changed(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[PackageSpec, object]:
    before, after = spec("Agency Templates", entities=old), spec("Agency Templates",
                                                                  entities=new)
    listed = remote_of(after, digest=before.digest(), source=ENVS["sandbox"])
    return after, listed


def diffs_of(old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[str, str, object]]:
    after, listed = changed(old, new)
    assert prepare([after], [listed], settings()).details == {listed.id}  # type: ignore[attr-defined]
    fetched = listed.model_copy(update={"packageEntities": served(*old)})  # type: ignore
    (action,) = plan([after], [fetched], settings()).actions
    assert action.kind is ActionKind.REPLACE
    return [(d.path, d.op.value, d.old if d.op is DiffOp.REMOVE else d.new)  # type: ignore
            for d in action.diffs if d.path.startswith("objects.")]


def test_an_added_object_is_listed_with_its_name() -> None:
    assert diffs_of((ONBOARDING,), (ONBOARDING, LAUNCH)) == [
        (f"objects.TMPL[{seed_id(LAUNCH)}]", "add", LAUNCH)]


def test_a_removed_object_is_listed_and_its_sub_objects_are_not() -> None:
    assert diffs_of((ONBOARDING, LAUNCH), (ONBOARDING,)) == [
        (f"objects.TMPL[{seed_id(LAUNCH)}]", "remove", LAUNCH)]


def test_added_and_removed_together() -> None:
    assert diffs_of((ONBOARDING, LAUNCH), (ONBOARDING, OFFBOARDING)) == [
        (f"objects.TMPL[{seed_id(LAUNCH)}]", "remove", LAUNCH),
        (f"objects.TMPL[{seed_id(OFFBOARDING)}]", "add", OFFBOARDING)]


def test_unchanged_digest_is_never_fetched() -> None:
    same = spec("Agency Templates")
    assert prepare([same], [remote_of(same)], settings()).details == set()


def test_objects_a_parent_may_include_are_not_reported_removed() -> None:
    dashboard = spec("Agency Dashboard", code="PTLTAB", entities=("Agency Performance",))
    entities = {"PTLTAB": [{"id": seed_id("Agency Performance", "PTLTAB"), "name": "x"}],
                "PTLSEC": [{"id": "d" * 32, "name": "Agency Throughput"}],  # its report
                "UIVW": [{"id": "e" * 32, "name": "Agency View"}]}
    assert object_diffs(dashboard, entities) == []
    # Without the dashboard, the report is one the package names.
    assert set(top_level({"PTLSEC": {"d" * 32: "Agency Throughput"}})) == {"PTLSEC"}
    assert object_diffs(dashboard, None) == []  # entities unknown: nothing claimed


def test_every_renderer_shows_the_objects() -> None:
    after, listed = changed((ONBOARDING, LAUNCH), (ONBOARDING, OFFBOARDING))
    fetched = listed.model_copy(update={"packageEntities": served(ONBOARDING, LAUNCH)})  # type: ignore
    result = plan([after], [fetched], settings())
    gone, new = seed_id(LAUNCH), seed_id(OFFBOARDING)

    text = render(result, "text")
    assert f"- objects.TMPL[{gone}]: \"{LAUNCH}\"" in text
    assert f"+ objects.TMPL[{new}]: \"{OFFBOARDING}\"" in text

    data = json.loads(render(result, "json"))
    ops = {(d["path"], d["op"]) for a in data["actions"] for d in a["diffs"]}
    assert {(f"objects.TMPL[{gone}]", "remove"), (f"objects.TMPL[{new}]", "add")} <= ops

    markdown = render(result, "markdown")
    section = re.search(r"<details>.*?</details>", markdown, re.S)
    assert section is not None
    assert f"- objects.TMPL[{gone}]: \"{LAUNCH}\"" in section.group(0)
    assert f"+ objects.TMPL[{new}]: \"{OFFBOARDING}\"" in section.group(0)


def test_an_object_without_a_name_still_shows_in_markdown() -> None:
    after, listed = changed((ONBOARDING, LAUNCH), (ONBOARDING,))
    entities = served(ONBOARDING, LAUNCH)
    del entities["TMPL"][1]["name"]
    fetched = listed.model_copy(update={"packageEntities": entities})  # type: ignore
    markdown = render(plan([after], [fetched], settings()), "markdown")
    assert f"\n- objects.TMPL[{seed_id(LAUNCH)}]\n" in markdown
