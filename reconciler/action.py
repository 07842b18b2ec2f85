"""The step behind ``action.yml``: run one wfpromote command, then write the step outputs.

Inputs arrive as environment variables (``INPUT_COMMAND``, ``INPUT_ARGS``, ...), never
interpolated into a shell script. Outputs go to ``$GITHUB_OUTPUT``:

- ``exit-code``: the command's exit code (2 = changes under ``--detailed-exitcode``)
- ``has-changes``: ``true``/``false`` when known (a saved plan, or ``--detailed-exitcode``)
- ``plan-path``: the ``--out`` file when one was written
- ``report-path``: the ``--report`` file when one was written

The step fails for any exit code but 0, and 2 under ``--detailed-exitcode``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

COMMAND = re.compile(r"[a-z][a-z-]{0,30}")


def build_argv(environ: Mapping[str, str]) -> list[str]:
    command = environ.get("INPUT_COMMAND", "").strip()
    if not COMMAND.fullmatch(command):
        raise SystemExit(f"::error title=wfpromote::input 'command' must name a wfpromote "
                         f"command such as validate, plan, apply or comment (got {command!r})")
    try:
        args = shlex.split(environ.get("INPUT_ARGS", ""))
    except ValueError as exc:
        raise SystemExit(f"::error title=wfpromote::input 'args' cannot be split: {exc}") \
            from None
    argv: list[str] = []
    if environ.get("INPUT_CONFIG", "").strip():
        argv += ["--config", environ["INPUT_CONFIG"].strip()]
    if environ.get("INPUT_ALLOW_SIMULATOR", "").strip().lower() == "true":
        argv.append("--allow-simulator")
    return [*argv, command, *args]


def option_value(args: Sequence[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in ``args``."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def outputs(argv: Sequence[str], code: int) -> dict[str, str]:
    detailed = "--detailed-exitcode" in argv
    plan_path = option_value(argv, "--out")
    report_path = option_value(argv, "--report")
    result = {"exit-code": str(code), "has-changes": "", "plan-path": "", "report-path": ""}
    if plan_path and Path(plan_path).is_file():
        result["plan-path"] = plan_path
        try:
            data = json.loads(Path(plan_path).read_text(encoding="utf-8"))
            counts = data.get("summary", {})
            result["has-changes"] = str(any(v for k, v in counts.items()
                                            if k != "unchanged")).lower()
        except (OSError, ValueError, AttributeError):
            pass
    if detailed and code in (0, 2):
        result["has-changes"] = str(code == 2).lower()
    if report_path and Path(report_path).is_file():
        result["report-path"] = report_path
    return result


def write_outputs(path: str | None, values: Mapping[str, str]) -> None:
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            if "\n" in value:
                delimiter = f"EOF_{secrets.token_hex(8)}"
                handle.write(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                handle.write(f"{key}={value}\n")


def main(environ: Mapping[str, str] | None = None) -> int:
    from reconciler.cli import run, without_httpx_cli

    without_httpx_cli()
    env = os.environ if environ is None else environ
    argv = build_argv(env)
    code = run(argv)
    write_outputs(env.get("GITHUB_OUTPUT"), outputs(argv, code))
    if code == 2 and "--detailed-exitcode" in argv:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
