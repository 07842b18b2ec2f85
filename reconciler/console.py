"""What a run is attached to: a CI job, or a person at a terminal.

One answer for every part that behaves differently: the embedded simulator is refused in CI,
progress is a live table only on a terminal outside CI, colour and the confirmation prompt
need a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    # Most CI services set CI=true, but some set another value (Woodpecker: CI=woodpecker);
    # only an explicit "no" counts as a local run.
    return env.get("CI", "").strip().lower() not in ("", "false", "0", "no", "off")


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal; False for anything without ``isatty`` or closed."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def confirmed(prompt: str, stdin: Any, stderr: Any) -> bool:
    """Ask ``prompt`` on ``stderr`` as Terraform does; only an exact 'yes' is a yes."""
    stderr.write(f"\n{prompt}.\n  Enter a value: ")
    stderr.flush()
    return bool(stdin.readline().strip() == "yes")


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes.

    Package names and messages come from files and from the server; a stray escape sequence
    or line break must not move the cursor or fake a line of output.
    """
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
