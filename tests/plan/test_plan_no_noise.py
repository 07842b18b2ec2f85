"""Server noise never shows up as a change (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from plan_factories import ENVS, remote_of, settings, spec

from reconciler.domain.remote import RemotePackage
from reconciler.domain.statuses import CURRENT_TO_OLD
from reconciler.plan.planner import plan

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
statuses = st.sampled_from(["DRAFT", "TESTING", "ACTIVE", "DISABLED"])


def noisy(package: RemotePackage, data: st.DataObject) -> RemotePackage:
    """The same package as the server might serve it on another day."""
    raw = package.model_dump()
    desc = raw["description"]
    if data.draw(st.booleans()):
        desc = desc.replace("\n", "\r\n")
    desc = data.draw(st.sampled_from(["", " ", "\n", "\t "])) + desc + \
        data.draw(st.sampled_from(["", " ", "\n", "\r\n\r\n"]))
    status = raw["status"]
    if data.draw(st.booleans()):
        status = CURRENT_TO_OLD.get(status, status)
    if data.draw(st.booleans()):
        status = status.lower()
    extra = data.draw(st.fixed_dictionaries({}, optional={
        "version": st.integers(1, 9), "customerId": st.text(max_size=5),
        "publishedAt": st.none(), "installationCounts": st.just({}),
        "isPrivate": st.booleans()}))
    entities = {"TMPL": [{"id": "x" * 32, "name": "n", "description": "null"}]}
    fields = {**raw, **extra, "description": desc, "status": status,
              "source": ENVS["sandbox"] + data.draw(st.sampled_from(["", "/"])),
              "packageEntities": entities if data.draw(st.booleans()) else None}
    keys = list(fields)
    random.Random(data.draw(st.integers())).shuffle(keys)
    return RemotePackage.model_validate({k: fields[k] for k in keys})


@hsettings(max_examples=150, deadline=None)
@given(description=texts, status=statuses, data=st.data())
def test_noise_never_produces_actions(description: str, status: str,
                                      data: st.DataObject) -> None:
    s = spec("Package name", description=description, status=status,
             entities=("New Agency Onboarding", "Campaign Launch"))
    remote = noisy(remote_of(s), data)
    p = plan([s], [remote], settings())
    assert not p.has_changes, p.actions


@hsettings(max_examples=50, deadline=None)
@given(data=st.data())
def test_entity_order_and_null_description_do_not_matter(data: st.DataObject) -> None:
    names = data.draw(st.permutations(["New Agency Onboarding", "Campaign Launch",
                                       "New Agency Offboarding"]))
    declared = spec("P", entities=tuple(names))
    served = spec("P", entities=("Campaign Launch", "New Agency Offboarding",
                                 "New Agency Onboarding"))
    remote = remote_of(served, description=data.draw(st.sampled_from(["", "null", " null "])))
    assert not plan([declared], [remote], settings()).has_changes
