"""``wfpromote release``: list, show, confirm, then PATCH the description without the marker.

Releasing is the opposite of ``--adopt``: the package keeps its name, content and status and
is no longer this owner's, so no later plan touches it (a package without our marker is never
pruned). It takes the apply lock, as it writes to Workfront.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from reconciler.api.protocol import PromotionAPI
from reconciler.clock import Clock, RealClock
from reconciler.console import confirmed, is_terminal, printable
from reconciler.domain.declared import Config
from reconciler.domain.remote import RemotePackage
from reconciler.errors import WfpromoteError
from reconciler.plan import canonical
from reconciler.plan.ownership import parse_marker, strip_marker
from reconciler.redact import redact

PROMPT = "Do you want to release these packages? Only 'yes' will be accepted"


@dataclass(frozen=True)
class ReleaseRequest:
    name: str
    assume_yes: bool = False
    lock_timeout: float | None = None
    allow_simulator: bool = False
    color: bool = False


def run_release(config: Config, request: ReleaseRequest, *, stdin: TextIO | None = None,
                stdout: TextIO | None = None, stderr: TextIO | None = None,
                clock: Clock | None = None) -> int:
    from reconciler.apply.lock import ApplyLock

    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    if not request.assume_yes and not is_terminal(stdin):
        raise WfpromoteError("release needs a confirmation and there is no terminal to ask on",
                             hint="run `wfpromote release NAME --yes` (CI)")
    timeout = config.timeouts.lock if request.lock_timeout is None else request.lock_timeout
    clock = clock or RealClock()
    with ApplyLock(config.root, timeout=timeout, clock=clock):
        return asyncio.run(_session(config, request, stdin, stdout, stderr, clock))


async def _session(config: Config, request: ReleaseRequest, stdin: TextIO, stdout: TextIO,
                   stderr: TextIO, clock: Clock) -> int:
    from reconciler.run.clients import open_clients

    async with open_clients(config, allow_simulator=request.allow_simulator,
                            clock=clock) as clients:
        listing = clients[config.listing_environment()]
        remote = await listing.list_packages()
        chosen = _owned_by_name(remote, config.owner, request.name)
        stdout.write(redact(_render(chosen, config, request.name)))
        stdout.flush()
        for warning in _still_declared(config, request.name):
            stderr.write(redact(f"Warning: {printable(warning)}\n"))
        if not request.assume_yes and not confirmed(PROMPT, stdin, stderr):
            raise WfpromoteError("release cancelled: nothing was changed",
                                 hint="answer exactly 'yes', or pass --yes")
        for package in chosen:
            client = _client_for(package, config, clients)
            await client.patch_package(package.id,
                                       {"description": strip_marker(package.description)})
            stdout.write(redact(f"Released {printable(package.name)} ({package.id}).\n"))
    stdout.write(f"\nRelease complete: {len(chosen)} package(s) no longer managed by "
                 f"{config.owner}; they are left as they are.\n")
    return 0


def _owned_by_name(remote: list[RemotePackage], owner: str, name: str) -> list[RemotePackage]:
    from reconciler.suggest import did_you_mean

    managed = [p for p in remote if not p.deleted
               and (marker := parse_marker(p.description)) is not None and marker.owner == owner]
    chosen = [p for p in managed if canonical.name(p.name) == canonical.name(name)]
    if chosen:
        return sorted(chosen, key=lambda p: p.id)
    foreign = any(canonical.name(p.name) == canonical.name(name) for p in remote
                  if not p.deleted)
    raise WfpromoteError(
        f"no live package named {name!r} is managed by owner {owner!r}"
        + ("; a package of that name exists, but it carries no marker of this owner"
           if foreign else ""),
        hint=did_you_mean(name, sorted({p.name for p in managed}), noun="managed packages")
        or "give the exact name of a package this repository manages (see wfpromote plan)")


def _render(chosen: list[RemotePackage], config: Config, name: str) -> str:
    lines = [f"wfpromote will release these packages (owner {config.owner}): the ownership "
             "marker is removed from the description; name, content and status stay as "
             "they are.", ""]
    for package in chosen:
        status = canonical.status(package.status) or "unknown status"
        lines.append(f"  ~ {printable(package.name)}  release  id {package.id}  ({status})")
    lines += ["", f"Release: {len(chosen)} package(s) named {printable(name)!s}.", ""]
    return "\n".join(lines)


def _still_declared(config: Config, name: str) -> list[str]:
    """Declarations of ``name`` in the package files (best effort: broken files are skipped)."""
    from reconciler.desired.loader import collect
    from reconciler.run.settings import load_settings

    try:
        specs, _, _ = collect(load_settings(config))
    except WfpromoteError:
        return []
    return [f"{name!r} is still declared"
            + (f" in {s.origin.file}:{s.origin.line}" if s.origin else "")
            + "; remove that declaration, or the next plan refuses the package as not "
              "managed (wfpromote plan --adopt would take it back)"
            for s in specs if canonical.name(s.name) == canonical.name(name)]


def _client_for(package: RemotePackage, config: Config,
                clients: Mapping[str, PromotionAPI]) -> PromotionAPI:
    """The client of the environment the package was created from (its ``source``)."""
    from reconciler.run.planning import environment_urls

    source = (package.source or "").rstrip("/")
    for env, url in environment_urls(config).items():
        if source and source == url.rstrip("/"):
            return clients[env]
    return clients[config.listing_environment()]
