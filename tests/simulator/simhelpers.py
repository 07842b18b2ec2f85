"""Small builders shared by the simulator tests."""

from __future__ import annotations

from typing import Any

from reconciler.simulator.seed import seed_id


def sid(code: str, name: str, env: str = "sandbox") -> str:
    return seed_id(env, code, name)


def body(*items: tuple[str, str], name: str = "Agency package", source: str = "sandbox",
         env: str = "sandbox", **extra: Any) -> dict[str, Any]:
    """A create body listing seeded records of ``env`` by (objCode, name)."""
    collections: dict[str, list[dict[str, str]]] = {}
    for code, record in items:
        collections.setdefault(code, []).append({"ID": sid(code, record, env), "name": record})
    return {"name": name, "description": "test", "source": source,
            "objectCollections": [{"objCode": c, "entities": e} for c, e in collections.items()],
            **extra}
