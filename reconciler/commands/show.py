"""``wfpromote show PLAN``: render a saved plan again, offline."""

from __future__ import annotations

import sys

import click

from reconciler.budget import COMMENT_BUDGET
from reconciler.commands.common import global_options
from reconciler.output.renderers import FORMATS

EPILOG = """\b
Examples:
  wfpromote show plan.json                      the plan as `wfpromote plan` printed it
  wfpromote show plan.json --format markdown    as a pull-request comment
  wfpromote show plan.json --format json        the saved document, checked and normalised
"""


@click.command("show", epilog=EPILOG, short_help="Render a saved plan again, offline.")
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(FORMATS),
              default="text", show_default=True, help="How to print the plan on stdout.")
@click.option("--markdown-budget", type=click.IntRange(min=1024),
              default=COMMENT_BUDGET,
              show_default=True, metavar="BYTES",
              help="Largest Markdown output in UTF-8 bytes.")
@click.pass_context
def show_command(ctx: click.Context, plan_file: str, output_format: str,
                 markdown_budget: int) -> int:
    """Print a plan saved by `wfpromote plan --out`, without reading the configuration or
    contacting any API.

    The file is checked as `apply PLAN` reads it (a truncated file, one that breaks the
    schema, or whose summary does not count its actions is "not a valid saved plan"). Whether
    its actions are still what the package files call for needs the API: `apply PLAN` makes
    the plan again and refuses a stale or edited one before writing anything.
    Exits 0 once shown, also for a plan the safety check refused (its verdict is on top).
    """
    from pathlib import Path

    from reconciler.errors import WfpromoteError
    from reconciler.output.renderers import RenderOptions, render
    from reconciler.output.saved import is_saved_plan, read_saved_plan
    from reconciler.redact import redact

    path = Path(plan_file)
    if not path.is_file():
        raise WfpromoteError(f"{plan_file}: no such file", hint="give the file written by "
                                                                "wfpromote plan --out FILE")
    if not is_saved_plan(plan_file):
        raise WfpromoteError(f"{plan_file}: not a saved plan (no format_version)",
                             hint="give the file written by wfpromote plan --out FILE")
    plan = read_saved_plan((plan_file,))
    assert plan is not None
    color = output_format == "text" and global_options(ctx).use_color(sys.stdout)
    text = render(plan, output_format, RenderOptions(
        color=color, markdown_budget=markdown_budget,
        full_plan_hint=f"run wfpromote show {plan_file}"))
    click.echo(redact(text), nl=False, color=color)
    return 0
