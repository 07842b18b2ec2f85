"""``wfpromote export NAME``: a package's entities as a definition file."""

from __future__ import annotations

import click

from reconciler.commands.common import global_options

EPILOG = """\b
Examples:
  wfpromote export "Campaign Brief Form"                  print the definition
  wfpromote export "Campaign Brief Form" --out promotions/forms/brief.definition.json
"""


@click.command("export", epilog=EPILOG,
               short_help="Write a package's entities as a definition file.")
@click.argument("name")
@click.option("--out", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
@click.pass_context
def export_command(ctx: click.Context, name: str, out: str | None, force: bool) -> int:
    """Write the entities of the package NAME (or id) as a definition file that a package
    declared by value can name (`definition: FILE`): the full definition where the API
    profile can read it (`2023`, GET /packages/{id}/definition), otherwise the entities
    GET /packages/{id} shows (`current`). objCodes and keys are sorted, records by id, so
    exporting twice gives the same bytes. A name shared by several live packages needs the
    id instead.
    """
    import sys

    from reconciler.run.exporting import ExportRequest, run_export

    options = global_options(ctx)
    config = options.load_config()
    return run_export(config, ExportRequest(name=name, out=out, force=force,
                                            allow_simulator=options.allow_simulator),
                      stdout=sys.stdout, stderr=sys.stderr, clock=options.clock)
