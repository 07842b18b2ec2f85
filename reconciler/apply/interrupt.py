"""Ctrl-C and SIGTERM during an apply: stop starting work, finish what is in flight.

A package half-way through its steps is left in a state the next plan understands (it carries
the marker), so stopping between requests is safe; cutting a request off is not needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from typing import Any, Protocol

log = logging.getLogger("reconciler.apply")
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stoppable(Protocol):
    def request_stop(self, reason: str = "SIGINT") -> None: ...


@contextlib.contextmanager
def stop_on_signals(target: Stoppable, loop: asyncio.AbstractEventLoop | None = None,
                    notice: bool = True) -> Iterator[None]:
    """While inside, SIGINT/SIGTERM call ``target.request_stop("SIGINT"|"SIGTERM")``."""
    loop = loop or asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    presses = {"count": 0}

    def handle(sig: signal.Signals) -> None:
        presses["count"] += 1
        if notice:
            if presses["count"] == 1:
                print(f"\n{sig.name} received: starting nothing new; waiting for requests in "
                      "flight to finish...", file=sys.stderr, flush=True)
            else:
                print(f"{sig.name} again: still finishing requests in flight (bounded).",
                      file=sys.stderr, flush=True)
        target.request_stop(sig.name)

    previous: dict[signal.Signals, Any] = {}
    for sig in SIGNALS:
        try:
            before = signal.getsignal(sig)
            loop.add_signal_handler(sig, handle, sig)
            installed.append(sig)
            previous[sig] = before
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            log.debug("cannot handle %s here", sig.name)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            # remove_signal_handler leaves the default action (SIGTERM would kill the
            # process outright): put back what was there, the run-wide handler.
            before = previous.get(sig)
            if before is not None:
                signal.signal(sig, before)
