"""``wfpromote import``: write package files for the packages that already exist."""

from __future__ import annotations

import click

from reconciler.commands.common import global_options

EPILOG = """\b
Examples:
  wfpromote import                          one file per live package, into the packages folder
  wfpromote import --match 'Agency*'        only packages whose name matches
  wfpromote import --adopt                  ... and write the ownership marker to them
  wfpromote import --out promotions/legacy --all --force
"""


@click.command("import", epilog=EPILOG,
               short_help="Write package files for packages that already exist.")
@click.option("--match", "matches", multiple=True, metavar="GLOB",
              help="Only packages whose name matches (repeatable; case-sensitive).")
@click.option("--out", metavar="DIR",
              help="Folder to write into (default: the `packages` folder of wfpromote.yaml).")
@click.option("--adopt", is_flag=True,
              help="Then write this owner's ownership marker to each imported package, so "
                   "the next plan is empty.")
@click.option("--all", "include_all", is_flag=True,
              help="Include DISABLED and deleted packages.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), metavar="SECONDS",
              help="With --adopt: wait this long for another apply's lock (default: "
                   "timeouts.lock, 0).")
@click.pass_context
def import_command(ctx: click.Context, matches: tuple[str, ...], out: str | None, adopt: bool,
                   include_all: bool, force: bool, lock_timeout: float | None) -> int:
    """Write one package file per existing package: name, description (without an ownership
    marker), status, `source` as the configured environment it names, and the content:
    `objectCollections` rebuilt from the package's top-level promotable objects, or, where
    the API profile can read it (`2023`), the definition by value in a `.definition.json`
    file beside it. Files get readable names from the package names (`agency-onboarding.yaml`,
    `-2` on a collision), the schema modeline, and are validated before anything is written;
    importing twice writes the same bytes.

    DISABLED and deleted packages are skipped unless --all; existing files are never
    overwritten without --force; a package already declared in another file is skipped.
    A plan right after an import is empty except for adopting the ownership marker, which
    --adopt applies (it takes the apply lock). Exit 1 when a package could not be imported.
    """
    import sys

    from reconciler.run.importing import ImportRequest, run_import

    options = global_options(ctx)
    config = options.load_config()
    return run_import(config, ImportRequest(
        matches=matches, out=out, adopt=adopt, include_all=include_all, force=force,
        allow_simulator=options.allow_simulator, lock_timeout=lock_timeout),
        stdout=sys.stdout, stderr=sys.stderr, clock=options.clock)
