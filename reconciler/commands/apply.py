"""``wfpromote apply``: make the remote match the files (or a saved plan), then report."""

from __future__ import annotations

import click

from reconciler.commands.common import (
    check_output_file,
    global_options,
    safety_options,
    selection_options,
)

EPILOG = """\b
Examples:
  wfpromote apply                      plan, show it, ask for 'yes', apply
  wfpromote apply --auto-approve       the same without asking (CI)
  wfpromote plan --out plan.json && wfpromote apply plan.json
                                       apply exactly the reviewed plan (refused if stale
                                       or edited)
  wfpromote apply --auto-approve --replan-if-stale plan.json
                                       the reviewed plan if fresh, else a new plan (CI)
  wfpromote apply --auto-approve --format json --report apply.json
"""


@click.command("apply", epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--auto-approve", is_flag=True,
              help="Do not ask for confirmation (needed without a terminal, e.g. in CI).")
@click.option("--concurrency", type=click.IntRange(1, 64), metavar="N",
              help="Packages worked on at once (default: concurrency in wfpromote.yaml, 8).")
@click.option("--fail-fast", is_flag=True,
              help="Start nothing new after the first failure.")
@click.option("--report", "report_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the report as JSON to FILE.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True,
              help="Format of the result on stdout (with json, the plan goes to stderr).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Wait this long for another apply's lock (default: timeouts.lock, 0).")
@click.option("--replan-if-stale", is_flag=True,
              help="With a saved plan and --auto-approve: when the plan is stale, plan the "
                   "same files again and apply that instead of refusing (says which it did).")
@click.option("--reinstall", "reinstall", multiple=True, metavar="ENV",
              help="Install again into ENV even where the same version is installed "
                   "(repeatable).")
@selection_options
@safety_options
@click.pass_context
def apply_command(ctx: click.Context, paths: tuple[str, ...], auto_approve: bool,
                  concurrency: int | None, fail_fast: bool, report_path: str | None,
                  output_format: str, lock_timeout: float | None, targets: tuple[str, ...],
                  excludes: tuple[str, ...], replaces: tuple[str, ...], adopt: bool,
                  allow_empty: bool, force: bool, replan_if_stale: bool = False,
                  reinstall: tuple[str, ...] = ()) -> int:
    """Create, update, replace, disable or delete packages so the remote matches the files.

    PATHS are package files or folders (default: `packages` in wfpromote.yaml); a run over
    only part of that folder never disables or deletes packages declared elsewhere. Or PATHS
    is one saved plan from `wfpromote plan --out` (recognised by its content), applied as
    reviewed after checking that nothing changed since and that the plan is what its package
    files make (made again and compared: an edited plan is refused, and what is written
    comes from the files). Every credential the run needs is checked before the first
    write; missing variables are all named. A plan that trips a safety rule is
    shown, then refused without the flag its verdict names (--force or --allow-empty).
    Declared installs run after their package's own change: a fresh pre-run, `existing`
    and the overrides applied to its map, the install, then waiting for the outcome
    (timeouts.install). A completed install is never repeated; one an earlier (killed) run
    may have left running is waited for, not doubled; a failed one is retried;
    --reinstall ENV installs again. Blocked installs are reported, not run.
    Exit codes: 0 done, 1 something failed or refused, 130/143 interrupted.
    """
    import sys

    from reconciler.errors import WfpromoteError
    from reconciler.run.applying import ApplyRequest, emit_failure, run_apply

    options = global_options(ctx)
    if replan_if_stale and not auto_approve:
        raise click.UsageError("--replan-if-stale applies a plan nobody reviewed when the saved "
                               "one is stale, so it needs --auto-approve")
    if report_path:
        check_output_file(report_path, "--report")
    try:
        config = options.load_config()
    except WfpromoteError as exc:  # the JSON result and --report carry the error too
        emit_failure(exc, ApplyRequest(report_path=report_path, output_format=output_format),
                     sys.stdout)
        raise
    request = ApplyRequest(
        paths=paths, auto_approve=auto_approve, concurrency=concurrency, fail_fast=fail_fast,
        report_path=report_path, output_format=output_format, lock_timeout=lock_timeout,
        targets=targets, excludes=excludes, replaces=replaces, adopt=adopt,
        allow_empty=allow_empty, force=force, allow_simulator=options.allow_simulator,
        replan_if_stale=replan_if_stale, reinstall=reinstall,
        color=options.use_color(sys.stderr if output_format == "json" else sys.stdout))
    return run_apply(config, request, clock=options.clock)
