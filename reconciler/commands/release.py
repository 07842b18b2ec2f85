"""``wfpromote release NAME``: stop managing a package without disabling it."""

from __future__ import annotations

import click

from reconciler.commands.common import global_options

EPILOG = """\b
Examples:
  wfpromote release "Agency Onboarding"          show what changes, ask, then release
  wfpromote release "Agency Onboarding" --yes    the same without asking (CI)
"""


@click.command("release", epilog=EPILOG,
               short_help="Stop managing a package without disabling it.")
@click.argument("name")
@click.option("--yes", "assume_yes", is_flag=True,
              help="Do not ask for confirmation (needed without a terminal, e.g. in CI).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Wait this long for another apply's lock (default: timeouts.lock, 0).")
@click.pass_context
def release_command(ctx: click.Context, name: str, assume_yes: bool,
                    lock_timeout: float | None) -> int:
    """Hand the package NAME back to the Workfront UI: remove its ownership marker, so
    wfpromote never updates, replaces, disables or deletes it again. The package itself
    stays as it is (status, content, installations).

    Every live version managed by this repository's owner is released. Remove the package's
    declaration from the files too, or the next plan refuses it as not managed. To stop
    pruning altogether, set `prune: off` in wfpromote.yaml instead.
    """
    import sys

    from reconciler.run.releasing import ReleaseRequest, run_release

    options = global_options(ctx)
    config = options.load_config()
    return run_release(config, ReleaseRequest(
        name=name, assume_yes=assume_yes, lock_timeout=lock_timeout,
        allow_simulator=options.allow_simulator, color=options.use_color(sys.stdout)),
        clock=options.clock)
