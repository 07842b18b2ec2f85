"""``wfpromote schema``: print the JSON Schema of a file format (for editors and tools)."""

from __future__ import annotations

import click

EPILOG = """\b
Examples:
  wfpromote schema package > package.schema.json
  wfpromote schema config
  wfpromote schema plan      the saved-plan format (plan --out FILE)
  wfpromote schema status    the promotion matrix (status --format json)
"""


@click.command("schema", epilog=EPILOG)
@click.argument("name", type=click.Choice(["package", "config", "plan", "status"]))
def schema_command(name: str) -> int:
    """Print the JSON Schema of package files, wfpromote.yaml, saved plans, or the status
    matrix."""
    import json

    from reconciler.desired.schemas import load_schema

    click.echo(json.dumps(load_schema(name), indent=2))
    return 0
