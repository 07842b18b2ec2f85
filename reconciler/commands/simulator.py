"""Placeholder: replaced by the real command."""

from __future__ import annotations

import click


@click.group("simulator")
def simulator_group() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
