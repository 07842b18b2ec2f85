"""`wfpromote simulator serve|reset`: run the fake Environment Promotion API, or wipe its state."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from reconciler.domain.profiles import DEFAULT_PROFILE, PROFILE_NAMES

if TYPE_CHECKING:
    from reconciler.domain.declared import Config
    from reconciler.simulator.seed import SourceRecord

DEFAULT_STATE = os.path.join(".wfpromote", "simulator.json")
SERVE_EPILOG = """\b
Examples:
  wfpromote simulator serve
  wfpromote simulator serve --port 9000 --profile 2023 --env dev:sandbox --env prod:production
  wfpromote simulator serve --error-rate 503=0.2 --rate-limit 0.1 --retry-after 2 --seed 7
"""
RESET_EPILOG = """\b
Example:
  wfpromote simulator reset --state .wfpromote/simulator.json
"""
OBJECTS_EPILOG = """\b
Examples:
  wfpromote simulator objects
  wfpromote simulator objects --env sandbox --code TMPL
  wfpromote simulator objects --format json
"""


GROUP_EPILOG = """\b
Examples:
  wfpromote simulator serve --port 8765      then url: http://127.0.0.1:8765/sandbox
  wfpromote simulator reset                  forget the embedded simulator's packages
  wfpromote simulator objects --code TMPL    seeded objects to name in package files
"""


@click.group("simulator", epilog=GROUP_EPILOG)
def simulator_group() -> None:
    """Run the embedded simulator of the Environment Promotion API."""


def _parse_envs(values: tuple[str, ...]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for value in values:
        name, _, kind = value.partition(":")
        kind = kind or name
        if not name or kind not in ("sandbox", "preview", "production"):
            raise click.BadParameter(
                f"{value!r}: expected NAME:KIND with KIND sandbox, preview or production",
                param_hint="--env")
        out[name] = kind
    return out or None


@simulator_group.command("serve", epilog=SERVE_EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int,
              help="Port to listen on (0: any free port).")
@click.option("--profile", type=click.Choice(PROFILE_NAMES), default=DEFAULT_PROFILE,
              show_default=True, help="Which API generation to imitate.")
@click.option("--state", "state_path", default=DEFAULT_STATE, show_default=True,
              metavar="FILE", help="State file (created when missing).")
@click.option("--env", "envs", multiple=True, metavar="NAME:KIND",
              help="An environment (repeatable; default sandbox, preview, production).")
@click.option("--assembly-seconds", type=float, default=None,
              help="How long assembly takes [WFPROMOTE_SIM_ASSEMBLY_SECONDS, default 1].")
@click.option("--install-seconds", type=float, default=None,
              help="How long an install takes [WFPROMOTE_SIM_INSTALL_SECONDS, default 1].")
@click.option("--latency-ms", type=float, default=None,
              help="Delay added to every request [WFPROMOTE_SIM_LATENCY_MS].")
@click.option("--error-rate", "error_rates", multiple=True, metavar="STATUS=P",
              help="Answer STATUS with probability P (repeatable) [WFPROMOTE_SIM_ERROR_RATE].")
@click.option("--rate-limit", type=float, default=None,
              help="Probability of a 429 [WFPROMOTE_SIM_RATE_LIMIT].")
@click.option("--retry-after", type=float, default=None,
              help="Retry-After seconds sent with a 429 [WFPROMOTE_SIM_RETRY_AFTER].")
@click.option("--drop-rate", type=float, default=None,
              help="Probability that POST /packages commits, then drops the connection "
                   "[WFPROMOTE_SIM_DROP_RATE].")
@click.option("--drop-first", type=int, default=None,
              help="The first N POST /packages commit, then drop the connection "
                   "[WFPROMOTE_SIM_DROP_FIRST].")
@click.option("--seed", type=int, default=None,
              help="Seed of the random fault decisions [WFPROMOTE_SIM_SEED].")
@click.option("--fail-record", "fail_records", multiple=True, metavar="NAME",
              help="Installs of records of this name fail (repeatable) "
                   "[WFPROMOTE_SIM_FAIL_RECORDS=NAME,...].")
@click.option("--behaviour", "behaviours", multiple=True, metavar="NAME=VALUE",
              help="Where the API reference is silent, answer this way (repeatable; see "
                   "docs/simulator.md) [WFPROMOTE_SIM_BEHAVIOUR=NAME=VALUE,...].")
def serve_command(host: str, port: int, profile: str, state_path: str, envs: tuple[str, ...],
                  assembly_seconds: float | None, install_seconds: float | None,
                  latency_ms: float | None, error_rates: tuple[str, ...],
                  rate_limit: float | None, retry_after: float | None, drop_rate: float | None,
                  drop_first: int | None, seed: int | None,
                  fail_records: tuple[str, ...] = (),
                  behaviours: tuple[str, ...] = ()) -> None:
    """Serve the simulator over HTTP until interrupted.

    Each environment is a path prefix: http://HOST:PORT/<env>. Flags beat WFPROMOTE_SIM_*
    variables.
    """
    from reconciler.errors import ConfigError
    from reconciler.simulator.faults import Faults, parse_error_rate
    from reconciler.simulator.server import SimulatorHandle, serve_forever

    environments = _parse_envs(envs)
    try:
        faults = Faults.from_env(os.environ)
        for item in error_rates:
            code, rate = parse_error_rate(item)
            faults.error_rates[code] = rate
        if fail_records:
            faults.fail_records = fail_records
        if behaviours:
            from reconciler.simulator.behaviour import Behaviour

            faults.behaviour = Behaviour.parse(behaviours, base=faults.behaviour)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="see docs/simulator.md for the fault and behaviour "
                                         "knobs") from None
    for attr, value in (("latency_ms", latency_ms), ("rate_limit", rate_limit),
                        ("retry_after", retry_after), ("drop_rate", drop_rate),
                        ("drop_first", drop_first), ("seed", seed),
                        ("assembly_seconds", assembly_seconds),
                        ("install_seconds", install_seconds)):
        if value is not None:
            setattr(faults, attr, value)

    def announce(handle: SimulatorHandle) -> None:
        base = handle.state.world.environments
        click.echo(f"wfpromote simulator (profile {profile}), state in {state_path}")
        for name, env in base.items():
            click.echo(f"  {name:<12} {env.kind:<10} {handle.url(name)}")
        click.echo("Press Ctrl+C to stop.")

    try:
        serve_forever(profile=profile, state_path=state_path, environments=environments,
                      faults=faults, assembly_seconds=1.0, install_seconds=1.0, host=host,
                      port=port, announce=announce)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          hint="pick another --port, or stop the other server") from None


@simulator_group.command("reset", epilog=RESET_EPILOG)
@click.option("--state", "state_path", default=None, metavar="FILE",
              help="State file to delete [default: simulator.state of the configuration "
                   "when there is one, else .wfpromote/simulator.json].")
@click.pass_context
def reset_command(ctx: click.Context, state_path: str | None) -> None:
    """Forget every package and installation: the next start seeds the environments anew."""
    if state_path is None:
        state_path = _configured_state(ctx)
    try:
        os.remove(state_path)
    except FileNotFoundError:
        click.echo(f"{state_path} does not exist; nothing to reset.", err=True)
        return
    except OSError as exc:
        from reconciler.errors import ConfigError

        raise ConfigError(f"cannot delete {state_path}: {exc.strerror or exc}") from None
    click.echo(f"Deleted {state_path}; the simulator starts from the seed next time.",
               err=True)


def _configured_state(ctx: click.Context) -> str:
    """The embedded simulator's state file of the configuration in use, if there is one.

    Without this, `wfpromote --config other/wfpromote.yaml simulator reset` would delete a
    different file from the one `plan` and `apply` use.
    """
    config = _config_if_any(ctx)
    if config is None:
        return DEFAULT_STATE
    from reconciler.run.settings import state_file

    return state_file(config)


def _config_if_any(ctx: click.Context) -> Config | None:
    """The configuration in use: --config / WFPROMOTE_CONFIG, else ./wfpromote.yaml or one in
    a parent folder up to the repository root, if any."""
    from reconciler.commands.common import global_options
    from reconciler.desired.config import find_config

    options = global_options(ctx)
    if options.config_path is None and find_config() is None:
        return None
    return options.load_config()


@simulator_group.command("objects", epilog=OBJECTS_EPILOG)
@click.option("--env", "env_name", default=None, metavar="NAME",
              help="Only this environment [default: every one].")
@click.option("--code", "obj_code", default=None, metavar="OBJCODE",
              help="Only objects of this objCode, e.g. TMPL.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True, help="Output format.")
@click.pass_context
def objects_command(ctx: click.Context, env_name: str | None, obj_code: str | None,
                    output_format: str) -> None:
    """List the seeded source objects (objCode, ID, name, parent) to put in package files.

    The environments are the configuration's simulator environments (their kinds from the
    configuration) when there is one, else sandbox, preview and production. IDs depend on the
    environment's name, so they hold for a simulator whose environments have these names.
    """
    from reconciler.errors import WfpromoteError
    from reconciler.simulator.seed import listed_records, seed_records
    from reconciler.suggest import did_you_mean

    envs = _simulated_environments(_config_if_any(ctx))
    if env_name is not None:
        chosen = [e for e in envs if env_name in (e[0], e[1])]
        if not chosen:
            raise WfpromoteError(f"--env {env_name!r}: no such simulator environment",
                                 hint=did_you_mean(env_name, [e[0] for e in envs],
                                                   noun="environments"))
        envs = chosen
    code = obj_code.strip().upper() if obj_code is not None else None
    listing = [(label, kind, listed_records(sim_name, kind, code))
               for label, sim_name, kind in envs]
    if code is not None and not any(records for _, _, records in listing):
        seeded = {r.objCode for _, sim_name, kind in envs
                  for r in seed_records(sim_name, kind)}
        raise WfpromoteError(f"--code {obj_code!r}: no seeded object has this objCode",
                             hint=did_you_mean(code, seeded, noun="objCodes")
                             or "allowed objCodes: " + ", ".join(sorted(seeded)))
    if output_format == "json":
        click.echo(_objects_json(listing))
        return
    # Parents by objCode and name, looked up in the whole seed: --code may filter them out.
    parents = {r.ID: f"{r.objCode} {r.name}" for _, sim_name, kind in envs
               for r in seed_records(sim_name, kind)}
    click.echo(_objects_text(listing, parents))


def _simulated_environments(config: Config | None) -> list[tuple[str, str, str]]:
    """(name in the configuration, name in the simulator, kind) of each simulated environment.

    A served simulator (a loopback URL) knows an environment by the first segment of the URL
    path, and the seeded IDs depend on that name, not on the configuration's key.
    """
    from urllib.parse import urlsplit

    from reconciler.desired.config import is_loopback
    from reconciler.simulator.state import DEFAULT_ENVIRONMENTS

    out: list[tuple[str, str, str]] = []
    for name, env in (config.environments.items() if config is not None else ()):
        if env.is_simulator:
            out.append((name, name, env.kind))
        elif is_loopback((parts := urlsplit(env.url)).hostname):
            out.append((name, parts.path.strip("/").split("/")[0] or name, env.kind))
    return out or [(name, name, kind) for name, kind in DEFAULT_ENVIRONMENTS.items()]


def _objects_text(listing: list[tuple[str, str, list[SourceRecord]]],
                  parents: dict[str, str]) -> str:
    blocks = []
    for label, kind, records in listing:
        rows = [("OBJCODE", "ID", "NAME", "PARENT")]
        rows += [(r.objCode, r.ID, r.name, parents.get(r.parentID or "", r.parentID or ""))
                 for r in records]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{label} (kind {kind}): {len(records)} object(s)"]
        if records:
            lines += ["  " + "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)),
                                        row[3]]).rstrip() for row in rows]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _objects_json(listing: list[tuple[str, str, list[SourceRecord]]]) -> str:
    import json

    return json.dumps({"environments": [
        {"name": label, "kind": kind, "objects": [
            {"objCode": r.objCode, "ID": r.ID, "name": r.name, "parentID": r.parentID}
            for r in records]}
        for label, kind, records in listing]}, indent=2)
