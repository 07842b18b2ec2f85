"""Command-line wiring only: options, sub-commands, and the one error boundary.

Heavy modules (pydantic, httpx, the simulator) are imported inside commands so that
``wfpromote --help`` starts fast.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

import click

from reconciler.commands.apply import apply_command
from reconciler.commands.comment import comment_command
from reconciler.commands.common import GlobalOptions
from reconciler.commands.export import export_command
from reconciler.commands.import_ import import_command
from reconciler.commands.init import init_command
from reconciler.commands.plan import plan_command
from reconciler.commands.release import release_command
from reconciler.commands.schema import schema_command
from reconciler.commands.show import show_command
from reconciler.commands.simulator import simulator_group
from reconciler.commands.status import status_command
from reconciler.commands.validate import validate_command

if TYPE_CHECKING:
    from reconciler.clock import Clock

EPILOG = """\b
Examples:
  wfpromote validate                 check every package file offline
  wfpromote plan                     show what would change
  wfpromote apply --auto-approve     make the change (CI)
  wfpromote comment plan.json        post a saved plan to the pull request (CI)
  wfpromote init my-promotions       start a new configuration repository
  wfpromote import --adopt           write files for the packages that already exist
"""


# Global options, also accepted after the command (`wfpromote plan --config FILE -v`), as
# Terraform and kubectl users type them: value-taking ones, then flags.
_GLOBAL_WITH_VALUE = ("--config",)
_GLOBAL_FLAGS = ("--allow-simulator", "--color", "--no-color", "--verbose")


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options written after the command in front of it, so click parses them as
    the group's. Stops at ``--``; leaves the arguments before the command as they are."""
    command_at = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return args
        if arg in _GLOBAL_WITH_VALUE:
            i += 2
            continue
        if not arg.startswith("-"):
            command_at = i
            break
        i += 1
    if command_at is None:
        return args
    head, moved, rest = args[:command_at], [], []
    tail = args[command_at:]
    j = 0
    while j < len(tail):
        arg = tail[j]
        if arg == "--":
            rest.extend(tail[j:])
            break
        name = arg.split("=", 1)[0]
        if name in _GLOBAL_WITH_VALUE:
            if "=" in arg:
                moved.append(arg)
            else:
                moved.extend(tail[j:j + 2])
                j += 1
        elif arg in _GLOBAL_FLAGS or (len(arg) > 1 and arg[0] == "-" and arg[1] != "-"
                                      and set(arg[1:]) == {"v"}):
            moved.append(arg)
        else:
            rest.append(arg)
        j += 1
    return head + moved + rest


class _Cli(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(list(args)))


@click.group(cls=_Cli, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, param, value: _print_version(ctx, value),
              help="Show the version and, when known, the git commit, then exit.")
@click.option("--config", "config_path", metavar="FILE", envvar="WFPROMOTE_CONFIG",
              help="Configuration file (default: ./wfpromote.yaml, else the one in the "
                   "nearest parent folder up to the git repository's root).")
@click.option("--allow-simulator", is_flag=True, envvar="WFPROMOTE_ALLOW_SIMULATOR",
              help="Allow environments served by the embedded simulator when CI=true.")
@click.option("--color/--no-color", default=None,
              help="Force colour on or off (default: NO_COLOR, FORCE_COLOR, then the TTY).")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (repeatable).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, allow_simulator: bool,
        color: bool | None, verbose: int) -> None:
    """wfpromote: Workfront Environment Promotion packages as code.

    Declare promotion packages as YAML or JSON files in git; wfpromote lists what exists,
    shows a plan, and only then creates, updates, replaces, disables or deletes packages.
    The options below may also follow the command: `wfpromote plan --config FILE -v`.
    """
    if os.environ.get("RUNNER_DEBUG") == "1":
        verbose = max(verbose, 2)
    clock = ctx.obj.clock if isinstance(ctx.obj, GlobalOptions) else None
    ctx.obj = GlobalOptions(config_path, allow_simulator, color, verbose)
    if clock is not None:
        ctx.obj.clock = clock
    _setup_logging(verbose)


def _print_version(ctx: click.Context, value: bool) -> None:
    """``wfpromote 0.2.0 (commit SHA)``: the commit is looked up only when asked for."""
    if not value or ctx.resilient_parsing:
        return
    from reconciler.version import describe

    click.echo(describe())
    ctx.exit()


def _setup_logging(verbose: int) -> None:
    from reconciler.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("reconciler")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if verbose == 0 else
                  logging.INFO if verbose == 1 else logging.DEBUG)
    root.propagate = False


cli.add_command(init_command)
cli.add_command(validate_command)
cli.add_command(schema_command)
cli.add_command(plan_command)
cli.add_command(apply_command)
cli.add_command(comment_command)
cli.add_command(show_command)
cli.add_command(status_command)
cli.add_command(release_command)
cli.add_command(import_command)
cli.add_command(export_command)
cli.add_command(simulator_group)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI and maps errors to one message and an exit code.

    The process is short-lived, so the garbage collector runs rarely (every 200,000 new
    container objects rather than 700: still bounded; a plan of 1,000 packages then never
    stops for it) and, once everything is written and flushed, the process ends without
    tearing down every object it made.
    """
    import gc

    without_httpx_cli()
    gc.set_threshold(200_000, 20, 100)
    code = run(argv)
    fast_exit(code)


def without_httpx_cli() -> None:
    """Keep httpx from importing its own command-line client in this process.

    ``import httpx`` runs ``from ._main import main``, and ``httpx._main`` imports rich and
    pygments whenever they are installed (they come with ``httpx[cli]`` and with many other
    tools): about 25 ms of start-up that no run of wfpromote uses. ``None`` in ``sys.modules``
    is the import system's documented way to make an import fail at once; httpx then takes its
    own path for an install without the ``cli`` extra (``httpx.main`` says to install it).
    Only the process entry points call this (``main``, ``action.main``), never an import of
    ``reconciler``, so a program that imports wfpromote keeps httpx whole.
    """
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def fast_exit(code: int) -> None:
    """End the process with ``code`` once stdout and stderr are flushed; files are already
    written and closed by then. If flushing fails (a closed pipe), exit the ordinary way."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # the ordinary exit reports it as Python does
        sys.exit(code)
    logging.shutdown()
    os._exit(code)


def run(argv: list[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command; ``clock`` replaces the real clock (tests)."""
    from reconciler.errors import WfpromoteError  # light module

    # Each call is a run and must announce the embedded simulator again; the factory is
    # only touched when already imported, so `--help` stays free of httpx.
    factory = sys.modules.get("reconciler.run.clients")
    if factory is not None:
        factory.reset_simulator_notice()
    from reconciler.signals import Terminated, handled, summary

    try:
        seed = GlobalOptions(None, False, None, 0, clock) if clock is not None else None
        with handled():
            try:
                result = cli.main(args=argv, prog_name="wfpromote", standalone_mode=False,
                                  obj=seed)
            except (Terminated, click.Abort) as exc:
                # click turns a KeyboardInterrupt (Terminated is one) into Abort.
                stop = exc if isinstance(exc, Terminated) else exc.__cause__
                if not isinstance(stop, Terminated):
                    raise
                click.echo(summary(stop.signame), err=True)  # while the phase is known
                return stop.exit_code
    except Terminated as exc:  # a signal while the line above was being printed
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        # click says 2 for a usage error, but 2 means "changes" under --detailed-exitcode,
        # and CI scripts accept it (`|| test $? -eq 2`): every error is 1.
        return 1 if isinstance(exc, click.UsageError) else exc.exit_code
    except WfpromoteError as exc:
        from reconciler.redact import redact

        click.echo(redact(exc.render()), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # a bug; still one message, exit 1, and never a secret
        _report_bug(exc)
        return 1
    return int(result or 0)


def _report_bug(exc: Exception) -> None:
    import traceback

    from reconciler.redact import redact

    if logging.getLogger("reconciler").isEnabledFor(logging.DEBUG):  # -vv
        click.echo(redact("".join(traceback.format_exception(exc))), err=True, nl=False)
    detail = redact(str(exc))[:300]
    click.echo(f"error: internal error ({type(exc).__name__}{': ' + detail if detail else ''})"
               "\n  hint: this is a bug in wfpromote; run again with -vv to see where, and "
               "report it", err=True)
