"""Command-line wiring only: options, sub-commands, and the one error boundary.

Heavy modules (pydantic, httpx, the simulator) are imported inside commands so that
``wfpromote --help`` starts fast.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from reconciler import __version__
from reconciler.commands.apply import apply_command
from reconciler.commands.common import GlobalOptions
from reconciler.commands.plan import plan_command
from reconciler.commands.schema import schema_command
from reconciler.commands.simulator import simulator_group
from reconciler.commands.validate import validate_command

EPILOG = """\b
Examples:
  wfpromote validate                 check every package file offline
  wfpromote plan                     show what would change
  wfpromote apply --auto-approve     make the change (CI)
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfpromote")
@click.option("--config", "config_path", metavar="FILE", envvar="WFPROMOTE_CONFIG",
              help="Configuration file (default: ./wfpromote.yaml).")
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
    """
    if os.environ.get("RUNNER_DEBUG") == "1":
        verbose = max(verbose, 2)
    ctx.obj = GlobalOptions(config_path, allow_simulator, color, verbose)
    _setup_logging(verbose)


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


cli.add_command(validate_command)
cli.add_command(schema_command)
cli.add_command(plan_command)
cli.add_command(apply_command)
cli.add_command(simulator_group)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI and maps errors to one message and an exit code."""
    code = run(argv)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    from reconciler.errors import WfpromoteError  # light module

    # Each call is a run and must announce the embedded simulator again; the factory is
    # only touched when already imported, so `--help` stays free of httpx.
    factory = sys.modules.get("reconciler.api.factory")
    if factory is not None:
        factory.reset_simulator_notice()
    from reconciler.signals import Terminated, handled, summary

    try:
        with handled():
            try:
                result = cli.main(args=argv, prog_name="wfpromote", standalone_mode=False)
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
