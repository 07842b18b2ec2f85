"""``wfpromote validate``: check every package file and the configuration, offline."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from reconciler.commands.common import global_options

if TYPE_CHECKING:
    from reconciler.errors import Problem

EPILOG = """\b
Examples:
  wfpromote validate                        every file under the config's packages folder
  wfpromote validate packages/agency.yaml   only these files or folders
  wfpromote validate --format json          one JSON document on stdout (for tools)
"""


@click.command("validate", epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Problems as text on stderr, or one JSON document on "
                                      "stdout.")
@click.pass_context
def validate_command(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> int:
    """Check package files and wfpromote.yaml without touching the network.

    Reports every problem at once, each with file:line:column and a hint; exits 1 when
    there is any.
    """
    from reconciler.errors import ConfigError, Location, Problem, ValidationFailed
    from reconciler.redact import redact

    options = global_options(ctx)
    packages = 0
    files = 0
    try:
        config = options.load_config()
    except ValidationFailed as exc:
        problems = exc.problems
    except ConfigError as exc:
        if fmt == "text":
            raise
        problems = [Problem(exc.message, exc.location or Location(options.config_path
                                                                  or "wfpromote.yaml"),
                            exc.hint)]
    else:
        from reconciler.desired.loader import collect
        from reconciler.run.settings import load_settings

        found, problems, files = collect(load_settings(config), paths)
        packages = len(found)
    if fmt == "json":
        document = {"valid": not problems, "files": files, "packages": packages,
                    "problems": [_problem_dict(p) for p in problems]}
        click.echo(redact(json.dumps(document, indent=2)))
    else:
        for problem in problems:
            click.echo(redact(problem.render()), err=True)
    verdict = "ok" if not problems else _count(len(problems), "problem")
    click.echo(f"validated {_count(packages, 'package')} in {_count(files, 'file')}: "
               f"{verdict}", err=True)
    return 1 if problems else 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _problem_dict(problem: Problem) -> dict[str, object]:
    loc = problem.location
    return {"file": loc.file, "line": loc.line, "column": loc.column, "path": loc.path,
            "message": problem.message, "hint": problem.hint}
