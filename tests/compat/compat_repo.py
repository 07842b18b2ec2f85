"""A throw-away repository whose environments point at the independent fake, and a way to run
the real CLI against it in-process."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from compat_server import CompatHandle
from support.repos import PackageFiles

from reconciler.cli import run
from reconciler.clock import RealClock

OWNER = "compat-tests"


class VirtualClock(RealClock):
    """Real time plus every wait the CLI asked for: retries and polling cost no wall time,
    while the fake server (on real time) still moves on between polls."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def now(self) -> float:
        return time.time() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)
        await asyncio.sleep(0.001)

    def sleep_blocking(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)
AGENCY = "aa11aa11aa11aa11aa11aa11aa11aa11"
CAMPAIGN = "bb22bb22bb22bb22bb22bb22bb22bb22"
DASHBOARD = "cc33cc33cc33cc33cc33cc33cc33cc33"


def package_doc(name: str, *ids: tuple[str, str], status: str = "DRAFT",
                description: str = "") -> dict[str, Any]:
    by_code: dict[str, list[dict[str, str]]] = {}
    for code, entity_id in ids:
        by_code.setdefault(code, []).append({"ID": entity_id})
    return {"name": name, "description": description or f"{name} (compat)",
            "source": "sandbox", "status": status,
            "objectCollections": [{"objCode": c, "entities": e} for c, e in by_code.items()]}


@dataclass
class CompatRepo(PackageFiles):
    root: Path
    url: str
    api: str = "current"

    @property
    def config_path(self) -> Path:
        return self.root / "wfpromote.yaml"

    def write_config(self, *, prune: str = "disable", request_timeout: float = 5.0,
                     url: str | None = None) -> None:
        self.config_path.write_text(
            f"api: '{self.api}'\nowner: {OWNER}\npackages: promotions/\nprune: {prune}\n"
            f"timeouts: {{request: {request_timeout}, assembly: 60}}\n"
            "simulator: {assembly_seconds: 0}\n"
            "environments:\n"
            f"  sandbox: {{url: '{url or self.url}', kind: sandbox, "
            "auth: {apikey_env: WF_KEY}}\n", encoding="utf-8")

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = run(["--config", str(self.config_path), *args], clock=VirtualClock())
        captured = capsys.readouterr()
        return code, captured.out, captured.err


def new_repo(tmp_path: Path, server: CompatHandle | str, **config: Any) -> CompatRepo:
    url = server if isinstance(server, str) else server.url
    api = "2023" if not isinstance(server, str) and server.quirks.legacy else "current"
    repo = CompatRepo(tmp_path, url, api)
    repo.write_config(**config)
    return repo
