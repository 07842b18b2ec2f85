"""SIGINT and SIGTERM from the start of a run to its exit: exit 130 or 143 with one line saying
what was and was not done.

The command line installs :func:`handled` around every command. Outside the apply phase (which
has its own, gentler handling in ``reconciler.apply.interrupt``: start nothing new, let requests
in flight finish) a signal raises :class:`Terminated` where the main thread is, and the error
boundary in ``reconciler.cli`` prints :func:`summary` and exits with the signal's code. Each
phase of a run says what is true if it is cut short there (:func:`set_phase`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}
NOTHING_DONE = ("", "nothing was changed")

_phase: list[tuple[str, str]] = [NOTHING_DONE]


class Terminated(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; a KeyboardInterrupt so asyncio and click treat it alike."""

    def __init__(self, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signame, 130)


def set_phase(where: str, done: str) -> None:
    """What the run is doing (``"while planning"``) and what is true if it stops now."""
    _phase[0] = (where, done)


def summary(signame: str) -> str:
    """The one line printed when a signal ends the run."""
    where, done = _phase[0]
    return f"interrupted by {signame}{' ' + where if where else ''}: {done}"


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signal.Signals(signum).name)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """While inside (main thread only), SIGINT and SIGTERM raise :class:`Terminated`."""
    _phase[0] = NOTHING_DONE
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}
    for sig in SIGNALS:
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, _raise)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _phase[0] = NOTHING_DONE
