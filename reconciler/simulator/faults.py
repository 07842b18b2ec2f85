"""Fault knobs: latency, error rates, 429 with Retry-After, dropped connections after commit.

``Faults`` is the configuration (CLI flags, ``WFPROMOTE_SIM_*`` variables, or code);
``FaultInjector`` makes the seeded random decisions, one request at a time.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.simulator.behaviour import ENV_NAME as BEHAVIOUR_ENV
from reconciler.simulator.behaviour import Behaviour

ENV_PREFIX = "WFPROMOTE_SIM_"


@dataclass
class Faults:
    latency_ms: float = 0.0                                  # added to every request
    error_rates: dict[int, float] = field(default_factory=dict)  # status -> probability
    rate_limit: float = 0.0                                  # probability of a 429
    retry_after: float = 1.0                                 # Retry-After seconds on a 429
    drop_rate: float = 0.0        # probability POST /packages commits, then drops the line
    drop_first: int = 0           # the first N POST /packages commit, then drop the line
    seed: int = 0                 # makes the random decisions repeatable
    assembly_seconds: float | None = None  # overrides the configured assembly time
    install_seconds: float | None = None   # overrides the configured install time
    # Names of records whose install fails (FAILED with a failureReason), as a bad object
    # in the source would make it.
    fail_records: tuple[str, ...] = ()
    # Where the reference is silent, which way the service answers (behaviour.py).
    behaviour: Behaviour = field(default_factory=Behaviour)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Faults:
        """Read ``WFPROMOTE_SIM_*`` variables (see docs/simulator.md)."""
        def num(name: str) -> float | None:
            raw = environ.get(ENV_PREFIX + name, "").strip()
            if not raw:
                return None
            try:
                return float(raw)
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{name}={raw!r} is not a number") from None

        faults = cls()
        for name, attr in (("LATENCY_MS", "latency_ms"), ("RATE_LIMIT", "rate_limit"),
                           ("RETRY_AFTER", "retry_after"), ("DROP_RATE", "drop_rate"),
                           ("ASSEMBLY_SECONDS", "assembly_seconds"),
                           ("INSTALL_SECONDS", "install_seconds")):
            value = num(name)
            if value is not None:
                setattr(faults, attr, value)
        for name, attr in (("DROP_FIRST", "drop_first"), ("SEED", "seed")):
            value = num(name)
            if value is not None:
                setattr(faults, attr, int(value))
        rates = environ.get(ENV_PREFIX + "ERROR_RATE", "")
        for item in filter(None, (part.strip() for part in rates.split(","))):
            code, rate = parse_error_rate(item)
            faults.error_rates[code] = rate
        names = environ.get(ENV_PREFIX + "FAIL_RECORDS", "")
        if names.strip():
            faults.fail_records = tuple(n.strip() for n in names.split(",") if n.strip())
        raw = environ.get(BEHAVIOUR_ENV, "").strip()
        if raw:
            faults.behaviour = Behaviour.parse(raw)
        return faults

    def active(self) -> bool:
        return bool(self.latency_ms or any(self.error_rates.values()) or self.rate_limit
                    or self.drop_rate or self.drop_first)


def parse_error_rate(text: str) -> tuple[int, float]:
    """``"503=0.2"`` -> (503, 0.2)."""
    code, sep, rate = text.partition("=")
    try:
        status, probability = int(code), float(rate)
    except ValueError:
        status, probability = 0, -1.0
    if not sep or not 400 <= status <= 599 or not 0.0 <= probability <= 1.0:
        raise ValueError(f"bad error rate {text!r}; expected STATUS=PROBABILITY, e.g. 503=0.2")
    return status, probability


class FaultInjector:
    """Seeded decisions about which requests fail. Thread-safe."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.reset(faults)

    def reset(self, faults: Faults | None = None) -> None:
        """New knobs; the random sequence and the POST counters start over."""
        with self._lock:
            self.faults = faults or Faults()
            self._rng = random.Random(self.faults.seed)
            self.posts_seen = 0
            self.posts_dropped = 0

    def error_for(self) -> int | None:
        """The status to answer instead of handling the request (429 or an error), if any."""
        faults = self.faults
        if not (faults.rate_limit or faults.error_rates):
            return None
        with self._lock:
            if faults.rate_limit and self._rng.random() < faults.rate_limit:
                return 429
            for status, rate in sorted(faults.error_rates.items()):
                if rate and self._rng.random() < rate:
                    return status
        return None

    def drop_after_create(self) -> bool:
        """Whether this POST /packages, once committed, should lose its response."""
        faults = self.faults
        with self._lock:
            self.posts_seen += 1
            drop = self.posts_seen <= faults.drop_first or bool(
                faults.drop_rate and self._rng.random() < faults.drop_rate)
            self.posts_dropped += drop
        return drop
