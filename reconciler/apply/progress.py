"""Showing what apply is doing, on stderr: a live table on a terminal, log lines elsewhere.

stdout carries only the result (the report), so progress never mixes with it.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Protocol, TextIO

from reconciler.console import in_ci, is_terminal
from reconciler.plan.model import Action
from reconciler.redact import redact


def label(action: Action) -> str:
    where = f" -> {action.environment}" if action.environment else ""
    return f"[{action.kind.value}] {action.name}{where}"


class Progress(Protocol):
    def update(self, action: Action, state: str) -> None:
        """One state change of one action ("posted (id …)", "assembling", "done", ...)."""

    def close(self) -> None:
        """The run is over; release the terminal."""


class PlainProgress:
    """One line per state change: readable in CI logs and in files."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def update(self, action: Action, state: str) -> None:
        stream = self._stream or sys.stderr
        with self._lock:
            stream.write(redact(f"{label(action)}: {state}") + "\n")
            stream.flush()

    def close(self) -> None:
        return None


class RecordingProgress:
    """Keeps every update; for tests."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def update(self, action: Action, state: str) -> None:
        self.events.append((action.kind.value, action.name, state))

    def close(self) -> None:
        return None

    def states(self, name: str) -> list[str]:
        return [state for _, n, state in self.events if n == name]


class RichProgress:
    """A live table, one row per action, redrawn in place on a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=stream or sys.stderr, stderr=stream is None)
        self._rows: dict[str, str] = {}
        self._live = Live(self._table(), console=self._console, refresh_per_second=4,
                          transient=False)
        self._live.start()

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("change")
        table.add_column("state")
        for key, state in self._rows.items():
            style = ("red" if state.startswith("failed") else
                     "green" if state == "done" else
                     "dim" if state.startswith("skipped") else "")
            table.add_row(key, state, style=style)
        return table

    def update(self, action: Action, state: str) -> None:
        self._rows[redact(label(action))] = redact(state)
        self._live.update(self._table())

    def close(self) -> None:
        self._live.stop()


def choose_progress(stream: TextIO | None = None) -> Progress:
    """Live progress on an interactive terminal outside CI, plain lines otherwise."""
    target = stream or sys.stderr
    if is_terminal(target) and not in_ci():
        return RichProgress(stream)
    return PlainProgress(stream)
