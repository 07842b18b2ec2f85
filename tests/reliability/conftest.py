"""Reliability suite: the helpers of the apply, compat and foundation suites are reused."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("apply", "compat", "foundation"):
    path = str(_TESTS / folder)
    if path not in sys.path:
        sys.path.append(path)


import contextlib  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def compat(canary: str, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[Callable[..., Any]]:
    """The independent implementation of the documented API (tests/compat), on 127.0.0.1."""
    from compat_server import Quirks, serve_compat

    monkeypatch.setenv("WF_KEY", canary)
    with contextlib.ExitStack() as stack:
        def start(**quirks: Any) -> Any:
            quirks.setdefault("api_key", canary)
            return stack.enter_context(serve_compat(Quirks(**quirks)))

        yield start


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The suite's tallies: fault runs, kills, generated files, faults injected, duplicates."""
    from relkit import INJECTED, TALLY

    if not TALLY and not INJECTED:
        return
    write = terminalreporter.write_line
    write("reliability: " + ", ".join(f"{k}={v}" for k, v in sorted(TALLY.items())))
    if INJECTED:
        total = sum(INJECTED.values())
        write(f"reliability: faults injected={total} (" +
              ", ".join(f"{k}={v}" for k, v in sorted(INJECTED.items())) + ")")
