"""Reliability suite: the helpers of the apply, compat and foundation suites are reused."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("apply", "compat", "foundation"):
    path = str(_TESTS / folder)
    if path not in sys.path:
        sys.path.append(path)
