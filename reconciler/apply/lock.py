"""One apply at a time per repository checkout: an flock on ``.wfpromote/apply.lock``.

The kernel drops an flock when its holder dies (even by SIGKILL), so a crashed apply never
leaves a lock behind; the pid/host/started written into the file only name the holder in the
message the second apply prints. The lock serialises applies on one machine; CI runners need
the workflow's concurrency group as well (docs/apply.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from reconciler.clock import Clock, RealClock
from reconciler.errors import LockHeld

LOCK_PATH = Path(".wfpromote") / "apply.lock"


class ApplyLock:
    """Context manager: take the lock (waiting up to ``timeout`` seconds) or raise LockHeld."""

    def __init__(self, root: str | Path, *, timeout: float = 0.0, interval: float = 0.2,
                 clock: Clock | None = None) -> None:
        self.path = Path(root) / LOCK_PATH
        self.timeout = max(0.0, timeout)
        self.interval = interval
        self._clock: Clock = clock or RealClock()
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = self._clock.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if self._clock.monotonic() >= deadline:
                    holder = self.holder()
                    os.close(fd)
                    raise LockHeld(
                        f"another apply is running ({holder}); lock file {self.path}",
                        hint="wait for it to finish, or pass --lock-timeout SECONDS to wait "
                             "(timeouts.lock in wfpromote.yaml)") from None
                self._clock.sleep_blocking(
                    min(self.interval, max(0.0, deadline - self._clock.monotonic())))
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str:
        """Who holds the lock, as written into the file by its holder."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not info:
            return "holder unknown"
        return (f"pid {info.get('pid', '?')} on {info.get('host', '?')}, "
                f"started {info.get('started', '?')}")

    def __enter__(self) -> ApplyLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
