"""Behaviour knobs: where the API reference is silent, the simulator can answer either way.

Each knob is one install behaviour the reference leaves open (docs/simulator.md, "Behaviour
knobs", says which section each follows). The defaults are the simulator's first choice; the
tests run the install path under every value, so wfpromote never depends on one guess.

Set them as ``WFPROMOTE_SIM_BEHAVIOUR=name=value,name=value``, with
``wfpromote simulator serve --behaviour name=value`` (repeatable), or in code as
``Faults(behaviour=Behaviour(...))``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

# knob -> the values it takes (the first is the default)
CHOICES: Mapping[str, tuple[str, ...]] = {
    # 1. Status code of a refused pre-run or install (a TESTING package into production, ...).
    "refusal_status": ("409", "400"),
    # 2. E7 called through another environment than its pre-run's.
    "install_elsewhere": ("refuse", "prerun-target"),
    # 3. A translationMap in the body of E7 under `current`.
    "e7_map": ("refuse", "ignore"),
    # 4. installationStatus of IGNORE entries after the install.
    "ignore_status": ("none", "IGNORED"),
    # 6. Children (CREATE) of an ignored record the target holds (USEEXISTING at the pre-run).
    "ignored_existing_parent": ("fallback", "existing"),
    # 7. How a USEEXISTING child of an OVERWRITING parent reports (it is updated, 2.5).
    "overwritten_child": ("OVERWRITING", "USEEXISTING"),
    # 9. Which types refuse a second record of the same name.
    "unique_names": ("documented", "unlisted"),
    # 10. environmentPromotionPackageId in installation objects (E6, E8, E9).
    "e8_package_id": ("present", "absent"),
    # 11. The shape of error bodies.
    "error_shape": ("nested", "flat", "text"),
    # 12. E11's answer: the installation UUID as a JSON string or as plain text.
    "e11_answer": ("json", "text"),
    # 13. The installation's `environment`: as the examples (E6 bare host, E8/E9 URL), a bare
    #     host everywhere, or a URL everywhere.
    "environment_field": ("documented", "host", "url"),
    # Parent links (parentID) in packageEntities entries.
    "entity_parents": ("present", "absent"),
    # 14. A DISABLED package set to DRAFT, TESTING or ACTIVE again (reference 2.1 does not
    #     say whether it may be): allowed, or refused with the refusal status.
    "reactivation": ("allow", "refuse"),
}
ENV_NAME = "WFPROMOTE_SIM_BEHAVIOUR"


@dataclass(frozen=True)
class Behaviour:
    refusal_status: str = "409"
    install_elsewhere: str = "refuse"
    e7_map: str = "refuse"
    ignore_status: str = "none"
    ignored_existing_parent: str = "fallback"
    overwritten_child: str = "OVERWRITING"
    unique_names: str = "documented"
    e8_package_id: str = "present"
    error_shape: str = "nested"
    e11_answer: str = "json"
    environment_field: str = "documented"
    entity_parents: str = "present"
    reactivation: str = "allow"

    def __post_init__(self) -> None:
        for name, values in CHOICES.items():
            value = getattr(self, name)
            if value not in values:
                raise ValueError(f"behaviour {name}={value!r}: expected one of "
                                 f"{', '.join(values)}")

    @property
    def refusal(self) -> int:
        return int(self.refusal_status)

    def with_(self, **changes: str) -> Behaviour:
        return dataclasses.replace(self, **changes)

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...] | str,
              base: Behaviour | None = None) -> Behaviour:
        """``"e11_answer=text,error_shape=flat"`` (or the items one by one), over ``base``."""
        if isinstance(items, str):
            items = [part for part in (p.strip() for p in items.split(",")) if part]
        changes: dict[str, str] = {}
        for item in items:
            name, sep, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or name not in CHOICES:
                raise ValueError(f"bad behaviour {item!r}; expected NAME=VALUE with NAME one "
                                 f"of {', '.join(CHOICES)}")
            changes[name] = value
        return (base or cls()).with_(**changes)


def every_setting() -> list[tuple[str, str]]:
    """(knob, value) for every value of every knob: what the tests run the install path under."""
    return [(name, value) for name, values in CHOICES.items() for value in values]
