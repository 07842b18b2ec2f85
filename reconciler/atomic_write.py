"""Writing a file so that a reader sees the old content or the new, never half of either.

Plans, reports and the simulator's state are all read by other processes (a later
``apply``, CI steps, a second simulator), and a run can be killed mid-write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    Missing folders are created (commands that must not create them check the path first).
    ``durable`` syncs the data to disk before the rename, so a crash cannot leave an empty
    file under the final name; the simulator, which saves after every change and can always
    start again, turns it off.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # "\n" on every platform: a plan saved on Windows reads the same on Linux, and
        # diffs of reports stay clean.
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):  # keep the original error, not a cleanup one
            os.unlink(tmp)
        raise
