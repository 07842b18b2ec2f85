"""``wfpromote init [DIR]``: scaffold a configuration repository."""

from __future__ import annotations

import click

EPILOG = """\b
Examples:
  wfpromote init                         here; asks for the environments on a terminal
  wfpromote init acme-promotions --owner acme \\
      --env sandbox=https://acme.sb01.workfront.com \\
      --env production=https://acme.my.workfront.com
  wfpromote init demo --env sandbox=simulator --env production=simulator
"""


@click.command("init", epilog=EPILOG, short_help="Scaffold a configuration repository.")
@click.argument("directory", metavar="[DIR]", default=".", type=click.Path(file_okay=False))
@click.option("--owner", metavar="NAME",
              help="Ownership marker written into every package (default: DIR's name).")
@click.option("--env", "envs", multiple=True, metavar="NAME[:KIND]=URL",
              help="An environment (repeatable): URL is https://HOST or 'simulator'; KIND "
                   "(sandbox, preview, production) defaults to NAME when NAME is one of them. "
                   "NAME is written in lower case.")
def init_command(directory: str, owner: str | None, envs: tuple[str, ...]) -> int:
    """Create wfpromote.yaml, promotions/ with one example package, a .gitignore holding
    .wfpromote/, and the CI workflows (plan, apply, drift) under .github/workflows/ in DIR.

    The environments come from --env; without it, they are asked for on a terminal, and
    elsewhere all three kinds are the embedded simulator, so `wfpromote plan` runs at once.
    Each real environment authenticates with an API key read from WF_<NAME>_KEY. Nothing is
    ever overwritten: if one of the files exists, nothing is written.
    """
    import sys
    from pathlib import Path

    from reconciler.console import is_terminal
    from reconciler.run.scaffold import (
        Environment,
        default_environments,
        parse_env_option,
        prompt_environments,
        scaffold,
    )

    root = Path(directory)
    name = owner or _owner_from(root)
    chosen: list[Environment]
    if envs:
        chosen = [parse_env_option(value) for value in envs]
        for value, env in zip(envs, chosen, strict=True):
            given = value.partition("=")[0].partition(":")[0]
            if given != env.name:
                click.echo(f"  environment {given!r} is written as {env.name!r} "
                           "(names in wfpromote.yaml are lower case)", err=True)
    elif is_terminal(sys.stdin):
        chosen = prompt_environments()
    else:
        chosen = default_environments()
    written = scaffold(root, name, chosen)
    for path in written:
        click.echo(f"  wrote {path}", err=True)
    real = [e for e in chosen if e.url != "simulator"]
    click.echo(f"\nCreated a wfpromote repository in {root}.", err=True)
    if real:
        names = ", ".join(e.variable for e in real)
        click.echo(f"Export the API keys ({names}), then:", err=True)
    click.echo(f"  cd {root}\n  wfpromote validate\n  wfpromote plan", err=True)
    return 0


def _owner_from(root: object) -> str:
    import re
    from pathlib import Path

    assert isinstance(root, Path)
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", root.resolve().name).strip("-._")
    return (base or "wfpromote")[:63]
