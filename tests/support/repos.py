"""Throw-away repositories: the configuration of one the embedded simulator serves, and package
files written into one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OWNER = "acme-workfront"
ALL_ENVIRONMENTS = ("sandbox", "preview", "production")


def simulator_config(*environments: str, owner: str = OWNER, settings: str = "") -> str:
    """``wfpromote.yaml`` with the ``current`` API, packages in ``packages/`` and the named
    environments (``sandbox`` when none is named), each of the kind of its name, served by
    the embedded simulator. ``settings``: more top-level lines (``prune: disable\\n``, ...)."""
    envs = "".join(f"  {name}: {{url: simulator, kind: {name}}}\n"
                   for name in environments or ("sandbox",))
    return f"api: current\nowner: {owner}\npackages: packages/\n{settings}environments:\n{envs}"


class PackageFiles:
    """Package files as JSON documents in the repository's ``promotions/`` folder; mixed into
    the repositories of the apply, compat and reliability suites (each has a ``root``)."""

    root: Path

    def put(self, filename: str, *docs: dict[str, Any]) -> None:
        folder = self.root / "promotions"
        folder.mkdir(exist_ok=True)
        (folder / filename).write_text("\n---\n".join(json.dumps(d) for d in docs),
                                       encoding="utf-8")

    def remove(self, filename: str) -> None:
        (self.root / "promotions" / filename).unlink(missing_ok=True)
