"""``wfpromote export NAME``: a package's entities as a definition file, for use by value.

Under a profile that can read the definition (``2023``: ``GET /packages/{id}/definition``)
the full records are written; otherwise the entities ``GET /packages/{id}`` shows. Either way
the file is what a package's ``definition:`` names (``desired/definitions.py``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from reconciler.api.protocol import PromotionAPI
from reconciler.atomic_write import write_atomic
from reconciler.clock import Clock
from reconciler.domain.declared import Config
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan import canonical


@dataclass(frozen=True)
class ExportRequest:
    name: str                       # a package name, or a package id
    out: str | None = None          # file; default: stdout
    force: bool = False
    allow_simulator: bool = False


def run_export(config: Config, request: ExportRequest, *, stdout: TextIO | None = None,
               stderr: TextIO | None = None, clock: Clock | None = None) -> int:
    from reconciler.desired.writer import definition_json

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if request.out is not None:
        if Path(request.out).is_dir() or not Path(request.out).parent.is_dir():
            raise WfpromoteError(f"--out {request.out}: not a file in an existing folder",
                                 hint="name a file in a folder that exists")
        if Path(request.out).exists() and not request.force:
            raise WfpromoteError(f"--out {request.out} exists",
                                 hint="pass --force to overwrite it, or pick another file")
    package, entities = asyncio.run(_read(config, request, clock))
    text = definition_json(entities)
    if request.out is None:
        stdout.write(text)
        return 0
    write_atomic(request.out, text)
    count = sum(len(v) for v in entities.values() if isinstance(v, list))
    stderr.write(f"exported {count} record(s) in {len(entities)} objCode(s) of "
                 f"{package.name!r} ({package.id}) to {request.out}\n")
    return 0


async def _read(config: Config, request: ExportRequest,
                clock: Clock | None) -> tuple[RemotePackage, dict[str, Any]]:
    from reconciler.run.clients import open_clients

    async with open_clients(config, allow_simulator=request.allow_simulator,
                            clock=clock) as clients:
        api = clients[config.listing_environment()]
        package = find_package(await api.list_packages(), request.name)
        return package, await read_entities(api, package)


async def read_entities(api: PromotionAPI, package: RemotePackage) -> dict[str, Any]:
    """The definition where the profile can read it, else the entities the package shows."""
    if api.capabilities.read_definition:
        entities: dict[str, Any] | None = await api.get_definition(package.id)
    else:
        entities = (await api.get_package(package.id)).packageEntities
    if not entities:
        raise WfpromoteError(f"package {package.name!r} ({package.id}) shows no entities",
                             hint="wait until it has assembled (status DRAFT), then export")
    return dict(entities)


def find_package(listed: Sequence[RemotePackage], wanted: str) -> RemotePackage:
    """The live package with this id or name; a name shared by several must be an id."""
    live = [p for p in listed if not p.deleted]
    by_id = [p for p in live if p.id == wanted.strip().lower() or p.id == wanted.strip()]
    if by_id:
        return by_id[0]
    named = [p for p in live if canonical.name(p.name) == canonical.name(wanted)]
    enabled = [p for p in named if canonical.status(p.status) != "DISABLED"]
    chosen = enabled or named
    if len(chosen) == 1:
        return chosen[0]
    if chosen:
        raise WfpromoteError(
            f"{len(chosen)} live packages are named {wanted!r}: "
            f"{', '.join(p.id for p in chosen)}",
            hint="give the id of the one to export instead of the name")
    from reconciler.suggest import did_you_mean

    raise WfpromoteError(f"no live package named {wanted!r}",
                         hint=did_you_mean(wanted, sorted({p.name for p in live}),
                                           noun="packages")
                         or "give the exact name (or id) of a package in Workfront")
