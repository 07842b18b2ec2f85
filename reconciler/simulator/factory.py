"""Building a simulator core from settings, shared by the server and the embedded transport."""

from __future__ import annotations

from reconciler.clock import Clock
from reconciler.simulator.core import Simulator
from reconciler.simulator.faults import Faults


def make_simulator(*, state_path: str | None, environments: dict[str, str] | None,
                   clock: Clock | None, assembly_seconds: float, install_seconds: float,
                   faults: Faults | None) -> Simulator:
    """A core loaded from ``state_path`` (or seeded), with the knobs' timing overrides."""
    if faults and faults.assembly_seconds is not None:
        assembly_seconds = faults.assembly_seconds
    if faults and faults.install_seconds is not None:
        install_seconds = faults.install_seconds
    sim = Simulator.open(state_path, environments=environments, clock=clock,
                         assembly_seconds=assembly_seconds, install_seconds=install_seconds)
    if faults is not None:
        sim.behaviour, sim.fail_records = faults.behaviour, frozenset(faults.fail_records)
    return sim
