"""Options and context shared by several commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reconciler.clock import Clock, RealClock

if TYPE_CHECKING:
    from reconciler.domain.declared import Config

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class GlobalOptions:
    config_path: str | None
    allow_simulator: bool
    color: bool | None        # None: decide from NO_COLOR / FORCE_COLOR / TTY
    verbose: int
    clock: Clock = field(default_factory=RealClock)  # tests pass a fake one to cli.run
    _announced: bool = field(default=False, repr=False)  # a parent folder's config was named

    def load_config(self) -> Config:
        """The configuration: --config, else ./wfpromote.yaml, else the one in a parent
        folder up to the repository root, which is then named on stderr (once)."""
        from reconciler.desired.config import DEFAULT_NAME, load_config

        config = load_config(self.config_path)
        if self.config_path is None and config.path != DEFAULT_NAME and not self._announced:
            self._announced = True
            shown = os.path.relpath(config.path)
            click.echo(f"Using {shown} ({Path(config.path).resolve()}), found in a parent "
                       "folder.", err=True)
        return config

    def use_color(self, stream: Any = None) -> bool:
        """--color/--no-color beats NO_COLOR, which beats FORCE_COLOR, which beats the TTY."""
        if self.color is not None:
            return self.color
        if os.environ.get("NO_COLOR"):
            return False
        if os.environ.get("FORCE_COLOR"):
            return True
        from reconciler.console import is_terminal

        return is_terminal(stream or sys.stdout)


def global_options(ctx: click.Context) -> GlobalOptions:
    obj = ctx.find_object(GlobalOptions)
    if obj is None:  # a command invoked on its own, e.g. in a unit test
        obj = GlobalOptions(None, False, None, 0)
    return obj


def selection_options(func: F) -> F:
    """--target/--exclude: repeatable globs on package names."""
    func = click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
                        help="Leave out packages whose name matches (repeatable).")(func)
    func = click.option("--target", "targets", multiple=True, metavar="GLOB",
                        help="Only consider packages whose name matches (repeatable).")(func)
    return func


def safety_options(func: F) -> F:
    """Flags that relax the plan's safety checks."""
    func = click.option("--force", is_flag=True,
                        help="Allow a plan over the change threshold.")(func)
    func = click.option("--allow-empty", is_flag=True,
                        help="Allow an empty set of declared packages (prunes everything "
                             "this owner manages).")(func)
    func = click.option("--adopt", is_flag=True,
                        help="Take over remote packages that carry the declared name but no "
                             "ownership marker.")(func)
    func = click.option("--replace", "replaces", multiple=True, metavar="NAME",
                        help="Force a replace of this package (repeatable).")(func)
    return func


def check_output_file(path: str, option: str) -> None:
    """Refuse an output path that cannot be written, before any work is done (an apply must
    not change Workfront and only then fail to write its report). Missing folders are not
    created: a typo should not leave new folders behind."""
    from reconciler.errors import WfpromoteError

    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise WfpromoteError(f"{option} {path} is a directory", hint="name a file in it")
    if not folder.is_dir():
        raise WfpromoteError(f"{option} {path}: the folder {folder} does not exist",
                             hint=f"create it first (mkdir -p {folder}), or pick another path")
    if not os.access(folder, os.W_OK):
        raise WfpromoteError(f"{option} {path}: the folder {folder} is not writable",
                             hint="pick a path you can write to")
