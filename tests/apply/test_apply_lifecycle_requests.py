"""Issue 18 item 7: the lifecycle leaves no PREPARING record behind and reads each history
once, measured by ``benchmarks/lifecycle.py`` (requests counted by the server, over real
HTTP on 127.0.0.1), in both profiles."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from lifecycle import lifecycle


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_the_lifecycle_leaves_no_preparing_record_and_reads_at_the_floor(profile: str) -> None:
    steps = {s.name: s for s in lifecycle(profile)}
    assert [s.preparing_left for s in steps.values()] == [0] * len(steps)
    create = steps["create, install preview then production"]
    assert create.outcomes["install Launch Kit -> production"] == "applied"
    change = steps["content change, installed again in order"]
    assert change.outcomes["install Launch Kit -> preview"] == "applied"
    assert change.outcomes["install Launch Kit -> production"] == "applied"
    failing = steps["content change whose install fails"]
    assert failing.outcomes["install Groups -> preview"] == "failed"
    assert steps["rerun once fixed"].outcomes == {"install Groups -> preview": "applied"}
    # Nothing to do: the listing and one history per declared package with installs.
    assert steps["rerun (nothing to do)"].requests == {"E2 list": 1, "E8 history": 2}
    if profile == "current":
        # The two edited installs (IGNORE override, existing: overwrite) take their map
        # from E10 and install with E11: no pre-run record; the plain one uses E6 + E7.
        assert create.requests["E10 map"] == create.requests["E11 install with map"] == 2
        assert create.requests["E6 pre-run"] == create.requests["E7 install"] == 1
        # The replaced package is a new one: the old one's history is not read.
        assert change.requests["E8 history"] == 1
        assert "E6 pre-run" not in change.requests
    else:
        # A 2023 replace keeps the package: its history is read once, for the marker.
        assert change.requests["E8 history"] == 2
        assert create.requests["E6 pre-run"] == create.requests["E7 install"] == 3
    # The plan reads each history once; apply adds one read per target environment it
    # writes to, the credential check before the first write (run/credentials.py).
    rerun = steps["rerun of the failing install"].requests
    assert rerun == {"E2 list": 1, "E8 history": 3, "E6 pre-run": 1, "E7 install": 1,
                     "E9 installation": 1}
