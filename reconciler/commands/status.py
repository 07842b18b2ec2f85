"""``wfpromote status``: the promotion matrix."""

from __future__ import annotations

import click

from reconciler.commands.common import global_options

EPILOG = """\b
Examples:
  wfpromote status                        declared packages by environments
  wfpromote status --format json          the matrix as JSON (schemas/status.schema.json)
  wfpromote status --format markdown      a table for a pull request or a wiki page
"""


@click.command("status", epilog=EPILOG,
               short_help="Show where each declared package is installed.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="How to print the matrix on stdout.")
@click.pass_context
def status_command(ctx: click.Context, output_format: str) -> int:
    """Show the promotion matrix: each declared package by each configured environment,
    with the installed version, when, and the outcome; "pending" where the files ask for
    an install the next apply would make, "blocked" (with why) where a gate is not met.

    Read only: lists the packages and their installation history through the listing
    environment (its credential only). Exit 0.
    """
    from reconciler.output.renderers import render_matrix
    from reconciler.redact import redact
    from reconciler.run.status import status_matrix

    opts = global_options(ctx)
    matrix = status_matrix(opts.load_config(), allow_simulator=opts.allow_simulator,
                           clock=opts.clock)
    click.echo(redact(render_matrix(matrix, output_format)), nl=False)
    return 0
