"""``wfpromote status``: the promotion matrix."""

from __future__ import annotations

import click

from reconciler.commands.common import global_options

EPILOG = """\b
Examples:
  wfpromote status                        declared packages by environments
  wfpromote status --format json          the matrix as JSON (schemas/status.schema.json)
  wfpromote status --format markdown      a Mermaid picture and a table for a pull request
  wfpromote status --format html > status.html
                                          one self-contained page (a CI artifact)
  wfpromote status --format html --link-base https://github.com/o/r/blob/main > status.html
"""


@click.command("status", epilog=EPILOG,
               short_help="Show where each declared package is installed.")
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "markdown", "html"]),
              default="text", show_default=True, help="How to print the matrix on stdout.")
@click.option("--link-base", metavar="URL", default=None,
              help="HTML only: link each package to URL/FILE#LINE (e.g. the repository's "
                   "blob URL at this commit); default: FILE relative to the page.")
@click.pass_context
def status_command(ctx: click.Context, output_format: str, link_base: str | None) -> int:
    """Show the promotion matrix: each declared package by each configured environment,
    with the installed version, when, and the outcome; "pending" where the files ask for
    an install the next apply would make, "blocked" (with why) where a gate is not met.

    Markdown carries a Mermaid graph of the environments with each package's state there
    (GitHub and GitLab draw it); HTML is one page with no script and no network.

    Read only: lists the packages and their installation history through the listing
    environment (its credential only). Exit 0.
    """
    from reconciler.output.renderers import render_matrix
    from reconciler.redact import redact
    from reconciler.run.status import status_matrix

    opts = global_options(ctx)
    matrix = status_matrix(opts.load_config(), allow_simulator=opts.allow_simulator,
                           clock=opts.clock)
    if link_base is not None and output_format != "html":
        raise click.UsageError("--link-base is for --format html")
    click.echo(redact(render_matrix(matrix, output_format, link_base=link_base)), nl=False)
    return 0
