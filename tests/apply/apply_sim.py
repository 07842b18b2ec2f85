"""A throw-away repository wired to a served simulator, and a way to apply it in-process."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.repos import PackageFiles

from reconciler.cli import run
from reconciler.clock import Clock, FakeClock
from reconciler.desired.config import load_config
from reconciler.run.applying import ApplyRequest, run_apply
from reconciler.simulator.seed import seed_id
from reconciler.simulator.server import SimulatorHandle

OWNER = "acme-apply-tests"
ENVIRONMENTS = {"sandbox": "sandbox", "preview": "preview", "production": "production"}


def sid(code: str, name: str) -> str:
    return seed_id("sandbox", code, name)


def package_doc(name: str, *templates: str, status: str = "DRAFT",
                description: str = "", source: str = "sandbox") -> dict[str, Any]:
    return {"name": name, "description": description or f"{name} (tests)", "source": source,
            "status": status,
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": t if len(t) == 32 else sid("TMPL", t), "name": t} for t in templates]}]}


def installs_doc(name: str, template: str, status: str,
                 install: list[dict[str, Any]]) -> dict[str, Any]:
    """A package of one template (by reference) with its ``install:`` list."""
    return {"name": name, "source": "sandbox", "status": status,
            "objectCollections": [{"objCode": "TMPL", "entities": [
                {"ID": sid("TMPL", template)}]}], "install": install}


def cli_out(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``wfpromote --config <repo> ARGS`` in-process: its exit code and standard output."""
    code = run(["--config", str(repo.config_path), *args])
    return code, capsys.readouterr().out


@dataclass
class Repo(PackageFiles):
    root: Path
    sim: SimulatorHandle

    @property
    def config_path(self) -> Path:
        return self.root / "wfpromote.yaml"

    def write_config(self, *, prune: str = "disable", auth_env: str | None = None,
                     extra: str = "simulator: {assembly_seconds: 0}\n") -> None:
        auth = f", auth: {{apikey_env: {auth_env}}}" if auth_env else ""
        envs = "\n".join(f"  {name}: {{url: {self.sim.url(name)}, kind: {kind}{auth}}}"
                         for name, kind in ENVIRONMENTS.items())
        self.config_path.write_text(
            f"api: {self.sim.profile}\nowner: {OWNER}\npackages: promotions/\n"
            f"prune: {prune}\nenvironments:\n{envs}\n{extra}", encoding="utf-8")

    def live(self, name: str) -> list[Any]:
        """Packages under ``name`` in the simulator (deleted ones are gone)."""
        return [p for p in self.sim.state.list_packages() if p.name == name]

    def apply(self, *paths: str, clock: Clock | None = None,
              **options: Any) -> tuple[int, str, str]:
        config = load_config(str(self.config_path))
        request = ApplyRequest(paths=paths, auto_approve=options.pop("auto_approve", True),
                               **options)
        out, err = io.StringIO(), io.StringIO()
        code = run_apply(config, request, stdin=io.StringIO(""), stdout=out, stderr=err,
                         clock=clock or FakeClock())
        return code, out.getvalue(), err.getvalue()


def new_repo(tmp_path: Path, sim: SimulatorHandle, **config: Any) -> Repo:
    repo = Repo(tmp_path, sim)
    repo.write_config(**config)
    return repo
