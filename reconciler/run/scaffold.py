"""What ``wfpromote init`` writes: a configuration, an example package, .gitignore, CI."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.errors import WfpromoteError

KINDS = ("sandbox", "preview", "production")
WORKFLOWS = Path(".github") / "workflows"
# The GitOps workflows (examples/github), and whose credentials each needs: a plan and the drift
# check read through the first environment; an apply writes to all of them.
WORKFLOW_FILES = {"wfpromote-plan.yml": "first", "wfpromote-apply.yml": "all",
                  "wfpromote-drift.yml": "first"}
EXAMPLE = Path("promotions") / "example.yaml"
_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
# As config.schema.json has it (validate refuses any other), up to 63 characters.
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_SECRET_LINE = re.compile(r"^(?P<indent>\s+)WF_[A-Z0-9_]+: \$\{\{ secrets\.WF_[A-Z0-9_]+ \}\}$")


@dataclass(frozen=True)
class Environment:
    name: str
    kind: str
    url: str

    @property
    def variable(self) -> str:
        return "WF_" + re.sub(r"[^A-Z0-9]+", "_", self.name.upper()).strip("_") + "_KEY"


def parse_env_option(value: str) -> Environment:
    """``NAME[:KIND]=URL`` from --env. Names and kinds are written in lower case, as
    wfpromote.yaml requires (``Sandbox`` becomes ``sandbox``)."""
    head, sep, url = value.partition("=")
    given, _, kind = head.partition(":")
    name, kind = given.lower(), kind.lower()
    kind = kind or (name if name in KINDS else "")
    if not sep or not name or not url:
        raise click.BadParameter(f"{value!r}: expected NAME[:KIND]=URL", param_hint="--env")
    if not _NAME.match(name):
        raise click.BadParameter(f"{given!r}: an environment name starts with a letter and "
                                 "holds letters, digits, '-' and '_' (written in lower case), "
                                 "e.g. sandbox or prod-eu", param_hint="--env")
    if kind not in KINDS:
        raise click.BadParameter(f"{value!r}: give the kind, e.g. {name}:sandbox=URL "
                                 "(sandbox, preview or production)", param_hint="--env")
    _check_url(url, name)
    return Environment(name, kind, url.rstrip("/") if url != "simulator" else url)


def _check_url(url: str, name: str) -> None:
    from reconciler.desired.config import url_problem

    why = url_problem(url)
    if why:  # the URL itself is not quoted: it could carry a secret
        raise click.BadParameter(f"the url of {name} {why}", param_hint="--env")


def default_environments() -> list[Environment]:
    return [Environment(kind, kind, "simulator") for kind in KINDS]


def prompt_environments() -> list[Environment]:
    click.echo("Environments: give each base URL (https://HOST), 'simulator' for the "
               "embedded simulator, or '-' to leave it out.", err=True)
    out: list[Environment] = []
    for kind in KINDS:
        while True:
            url = click.prompt(f"  {kind} URL", default="simulator", err=True).strip()
            if url == "-":
                break
            try:
                _check_url(url, kind)
            except click.BadParameter as exc:
                click.echo(f"  {exc.message}", err=True)
                continue
            out.append(Environment(kind, kind, url.rstrip("/") if url != "simulator" else url))
            break
    if not out:
        raise WfpromoteError("no environment given", hint="give at least one URL, or "
                                                          "'simulator'")
    return out


def config_text(owner: str, environments: list[Environment]) -> str:
    lines = ["# wfpromote configuration: see docs/file-formats.md of wfpromote.",
             "# Secrets never go in this file: auth names the environment variables that hold",
             "# them. The first environment is the one the package list is read through.",
             "api: current", f"owner: {owner}", "packages: promotions/", "prune: disable",
             "environments:"]
    for env in environments:
        if env.url == "simulator":
            lines.append(f"  {env.name}: {{url: simulator, kind: {env.kind}}}")
        else:
            lines += [f"  {env.name}:", f"    url: {env.url}", f"    kind: {env.kind}",
                      f"    auth: {{apikey_env: {env.variable}}}"]
    return "\n".join(lines) + "\n"


def example_package(source: Environment) -> str:
    from reconciler.simulator.seed import seed_id

    template = seed_id(source.name, "TMPL", "New Agency Onboarding")
    return (
        "# One package per document. Put the IDs of your own objects here: copy them from\n"
        "# Workfront (or, on the simulator, from `wfpromote simulator objects`).\n"
        "name: Example Package\n"
        "description: A first package; rename or replace it.\n"
        f"source: {source.name}\n"
        "status: DRAFT\n"
        "objectCollections:\n"
        "  - objCode: TMPL\n"
        f"    entities: [{{ID: {template}, name: New Agency Onboarding}}]\n")


def workflow_text(template: str, variables: list[str]) -> str:
    """A workflow of the GitOps documentation, each block of secrets renamed to ``variables``
    (none: the run is allowed the simulator instead)."""
    out: list[str] = []
    in_group = False
    for line in template.splitlines():
        match = _SECRET_LINE.match(line)
        if match is None:
            in_group = False
            out.append(line)
            continue
        if in_group:
            continue
        in_group = True
        indent = match["indent"]
        out += [f"{indent}{n}: ${{{{ secrets.{n} }}}}" for n in variables] or \
            [f"{indent}WFPROMOTE_ALLOW_SIMULATOR: \"1\"  # no real environment yet"]
    return "\n".join(out) + "\n"


_PIN = re.compile(r"(?m)^(?P<head>\s*(?:-\s+)?uses: OWNER/wfpromote@)[0-9a-f]{40}\b.*$")


def pin_running_version(text: str, commit: str | None, version: str) -> str:
    """Pin ``uses: OWNER/wfpromote@SHA`` to the running wfpromote's own commit when it is
    known (the template's pin, a tested release, otherwise)."""
    if not commit:
        return text
    return _PIN.sub(lambda m: f"{m['head']}{commit} # {version}", text)


def workflows(environments: list[Environment]) -> dict[Path, str]:
    """The three workflow files, relative to the repository root."""
    from reconciler.version import commit, version

    real = [e.variable for e in environments if e.url != "simulator"]
    running = commit()
    return {WORKFLOWS / name: pin_running_version(
        workflow_text(_workflow_template(name), real[:1] if which == "first" else real),
        running, version())
        for name, which in WORKFLOW_FILES.items()}


def _workflow_template(name: str) -> str:
    here = Path(__file__).resolve().parents[1]  # the reconciler package
    for candidate in (here.parent / "examples" / "github" / name, here / "_templates" / name):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise WfpromoteError("the CI workflow templates are missing from this installation",
                         hint="reinstall wfpromote")


def scaffold(root: Path, owner: str, environments: list[Environment]) -> list[Path]:
    """Write the repository; refuse (writing nothing) if any file to create exists."""
    if not _OWNER.match(owner):
        raise WfpromoteError(f"owner {owner!r} is not usable in a marker",
                             hint="letters, digits, '.', '_' and '-', up to 63 characters; "
                                  "pass --owner NAME")
    names = [e.name for e in environments]
    if len(set(names)) != len(names):
        raise WfpromoteError("an environment is given twice", hint="one --env per name")
    if root.exists() and not root.is_dir():
        raise WfpromoteError(f"{root} is not a directory")
    files = {root / "wfpromote.yaml": config_text(owner, environments),
             root / EXAMPLE: example_package(environments[0]),
             **{root / path: text for path, text in workflows(environments).items()}}
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise WfpromoteError("init never overwrites: " + ", ".join(existing) + " already "
                             "exist(s); nothing was written",
                             hint="pick an empty directory (wfpromote init DIR), or move "
                                  "those files away")
    written: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                written.append(path)
                handle.write(text)
        written.extend(_ignore_local_state(root))
    except OSError as exc:
        for path in written:  # nothing half-written: take back what this run wrote
            path.unlink(missing_ok=True)
        raise WfpromoteError(f"cannot write the repository in {root}: "
                             f"{exc.strerror or exc}",
                             hint="pick a directory you can write to") from None
    return written


def _ignore_local_state(root: Path) -> list[Path]:
    """Add .wfpromote/ to .gitignore unless it is there; the file, if it was written."""
    ignore = root / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    if any(line.strip().rstrip("/") in (".wfpromote", "/.wfpromote") for line in lines):
        return []
    with ignore.open("a", encoding="utf-8", newline="\n") as handle:
        prefix = "\n" if lines and ignore.read_bytes()[-1:] != b"\n" else ""
        handle.write(f"{prefix}# wfpromote's local state (lock, simulator)\n.wfpromote/\n")
    return [ignore]
