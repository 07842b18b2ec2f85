"""``wfpromote plan``: show what would change; optionally save the plan for ``apply``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.budget import COMMENT_BUDGET
from reconciler.commands.common import (
    check_output_file,
    global_options,
    safety_options,
    selection_options,
)

EPILOG = """\b
Examples:
  wfpromote plan                                   what would change, for a terminal
  wfpromote plan --out plan.json                   save it; later: wfpromote apply plan.json
  wfpromote plan --format markdown > comment.md    for a pull-request comment
  wfpromote plan --detailed-exitcode               exit 0: no changes, 2: changes, 1: error
  wfpromote plan --prerun                          also pre-run each pending install
"""


@click.command("plan", epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--out", "out_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also save the plan as JSON, for `wfpromote apply FILE`.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="How to print the plan on stdout.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@click.option("--markdown-budget", type=click.IntRange(min=1024),
              default=COMMENT_BUDGET,
              show_default=True, metavar="BYTES",
              help="Largest Markdown output in UTF-8 bytes (whole package sections are "
                   "left out beyond it).")
@click.option("--prerun", is_flag=True,
              help="Run the pre-run (prepare-installation) of each pending install in its "
                   "target environment and show how many records each would create, use, "
                   "overwrite or ignore. The only write a plan makes: it leaves a PREPARING "
                   "installation record in the target and installs nothing.")
@click.option("--reinstall", "reinstall", multiple=True, metavar="ENV",
              help="Install again into ENV even where the same version is installed "
                   "(repeatable).")
@selection_options
@safety_options
@click.pass_context
def plan_command(ctx: click.Context, paths: tuple[str, ...], out_path: str | None,
                 output_format: str, detailed_exitcode: bool, markdown_budget: int,
                 prerun: bool, reinstall: tuple[str, ...],
                 targets: tuple[str, ...], excludes: tuple[str, ...],
                 replaces: tuple[str, ...], adopt: bool, allow_empty: bool,
                 force: bool) -> int:
    """Show what apply would change. Nothing is written to Workfront, except with
    --prerun: the pre-run of each pending install (a PREPARING record in the target).

    Installs whose gates are not met (production needs ACTIVE, TESTING installs only into
    sandbox and preview, `after:` needs the same version installed there first) are shown
    as blocked; with --detailed-exitcode they still count as changes (exit 2).

    PATHS narrows the package files read (default: the `packages:` folder of the config).
    A run over only part of that folder never disables or deletes packages declared
    elsewhere. A plan that trips a safety rule is shown whole with its verdict on top, and
    the command exits 1 (pass the flag the verdict names to accept it).
    """
    from reconciler.output.renderers import RenderOptions, render
    from reconciler.redact import redact
    from reconciler.run.planning import PlanOptions, make_plan
    from reconciler.signals import set_phase

    set_phase("while planning", "nothing was changed (plan writes nothing to Workfront)")
    opts = global_options(ctx)
    if out_path:
        check_output_file(out_path, "--out")
    options = PlanOptions(targets=targets, excludes=excludes, replaces=replaces, adopt=adopt,
                          allow_empty=allow_empty, force=force, prerun=prerun,
                          reinstall=reinstall,
                          picture=bool(out_path) or output_format in ("json", "markdown"))
    plan = make_plan(opts.load_config(), paths, options,
                     allow_simulator=opts.allow_simulator, clock=opts.clock)
    if out_path:
        _write_plan(Path(out_path), redact(render(plan, "json")))
        click.echo(f"Saved the plan to {out_path}.", err=True)
    color = output_format == "text" and opts.use_color(sys.stdout)
    text = render(plan, output_format, RenderOptions(color=color, markdown_budget=markdown_budget))
    # click strips ANSI codes off a non-terminal unless told the caller decided.
    click.echo(redact(text), nl=False, color=color)
    if plan.refused:
        assert plan.verdict is not None
        # Also on stderr: stdout may go to a file or a PR comment, and exit 1 needs a why.
        click.echo(redact(f"error: plan refused by the safety check: {plan.verdict.message}"
                          f"\n  hint: review the plan; pass {plan.verdict.flag} to accept it"),
                   err=True)
        return 1
    if detailed_exitcode and plan.has_changes:
        return 2
    return 0


def _write_plan(path: Path, text: str) -> None:
    """Save the plan whole or not at all; a full disk is the user's to fix, not a traceback."""
    from reconciler.atomic_write import write_atomic
    from reconciler.errors import WfpromoteError

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise WfpromoteError(f"cannot write the plan to {path}: {exc.strerror or exc}",
                             hint="check the --out path") from None
