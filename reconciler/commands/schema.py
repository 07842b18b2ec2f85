"""Placeholder: replaced by the real command."""

from __future__ import annotations

import click


@click.command("schema")
def schema_command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
