"""The one exception the simulator core raises: an HTTP status and a message."""

from __future__ import annotations


class SimError(Exception):
    """A refused request. The HTTP layer answers ``status`` with ``{"error": {"message"}}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
