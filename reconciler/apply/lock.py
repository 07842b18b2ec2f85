"""One apply at a time per repository checkout: an OS file lock on ``.wfpromote/apply.lock``.

The lock is the ``filelock`` library's platform lock (``flock`` on Linux and macOS,
``msvcrt.locking`` on Windows): the operating system drops it when its holder dies, even by
SIGKILL or a closed laptop lid, so a crashed apply never leaves a lock behind. Who holds it
(pid, host, start time) is written to ``.wfpromote/apply.lock.json`` beside it, only to name the
holder in the message the second apply prints; that file is never what locks. The lock
serialises applies on one machine; CI runners need the workflow's concurrency group as well
(docs/apply.md).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from reconciler.clock import Clock, RealClock
from reconciler.errors import LockHeld

LOCK_PATH = Path(".wfpromote") / "apply.lock"
HOLDER_SUFFIX = ".json"


class ApplyLock:
    """Context manager: take the lock (waiting up to ``timeout`` seconds) or raise LockHeld."""

    def __init__(self, root: str | Path, *, timeout: float = 0.0, interval: float = 0.2,
                 clock: Clock | None = None) -> None:
        self.path = Path(root) / LOCK_PATH
        self.holder_path = self.path.with_name(self.path.name + HOLDER_SUFFIX)
        self.timeout = max(0.0, timeout)
        self.interval = interval
        self._clock: Clock = clock or RealClock()
        self._lock: FileLock | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # thread_local=False: the session's worker threads must see the same lock.
        lock = FileLock(str(self.path), thread_local=False)
        deadline = self._clock.monotonic() + self.timeout
        while True:
            try:
                lock.acquire(timeout=0)  # one try; the waiting uses the injected clock
                break
            except Timeout:
                if self._clock.monotonic() >= deadline:
                    raise LockHeld(
                        f"another apply is running ({self.holder()}); lock file {self.path}",
                        hint="wait for it to finish, or pass --lock-timeout SECONDS to wait "
                             "(timeouts.lock in wfpromote.yaml)") from None
                self._clock.sleep_blocking(
                    min(self.interval, max(0.0, deadline - self._clock.monotonic())))
        self._lock = lock
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            self.holder_path.write_text(json.dumps(info) + "\n", encoding="utf-8")
        except OSError:
            pass  # the name of the holder is a courtesy; the lock itself is held

    def release(self) -> None:
        if self._lock is None:
            return
        try:
            self.holder_path.unlink(missing_ok=True)
        except OSError:
            pass
        finally:
            self._lock.release()
            self._lock = None

    def holder(self) -> str:
        """Who holds the lock, as written beside it by its holder."""
        try:
            info = json.loads(self.holder_path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not isinstance(info, dict) or not info:
            return "holder unknown"
        return (f"pid {info.get('pid', '?')} on {info.get('host', '?')}, "
                f"started {info.get('started', '?')}")

    def __enter__(self) -> ApplyLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
