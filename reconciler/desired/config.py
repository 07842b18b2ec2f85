"""``wfpromote.yaml``: read, check against schemas/config.schema.json, turn into ``Config``.

Secrets never live in this file, only the names of environment variables holding them. A
literal secret is refused (and registered for redaction, so it is never printed), and so is a
URL that would send credentials in clear text to another machine.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reconciler.domain.profiles import DEFAULT_PROFILE, PROFILE_NAMES
from reconciler.errors import ConfigError, Location, Problem, ValidationFailed

if TYPE_CHECKING:
    from reconciler.desired.sources import Document, KeyPath
    from reconciler.domain.declared import Config

DEFAULT_NAME = "wfpromote.yaml"

# Keys that hold a secret when given a literal value, and the *_env form to use instead.
_SECRET_KEYS = {
    "apikey": "apikey_env", "api_key": "apikey_env", "key": "apikey_env",
    "session": "session_env", "sessionid": "session_env", "session_id": "session_env",
    "bearer": "bearer_env", "token": "bearer_env", "access_token": "bearer_env",
    "refresh_token": "refresh_token_env", "client_secret": "client_secret_env",
    "secret": "apikey_env", "password": "apikey_env", "passwd": "apikey_env",
}
# Host names (letters, digits, '-', '.', and '_' seen on intranets) or an IP address (':').
_HOST = re.compile(r"^[A-Za-z0-9_.:-]+$")
_AUTH_MODES = "apikey_env, session_env, bearer_env, oauth or refresh"



def find_config(start: Path | None = None) -> Path | None:
    """``wfpromote.yaml`` in ``start`` (the current folder) or, as git finds its repository,
    in a parent folder up to the root of the git repository holding ``start``. Outside a
    repository only ``start`` itself is looked at: a file far above is never picked up."""
    here = Path(start or Path.cwd())
    if (here / DEFAULT_NAME).is_file():
        return here / DEFAULT_NAME if start else Path(DEFAULT_NAME)
    top = repository_root(here)
    if top is None:
        return None
    for folder in here.resolve().parents:
        if (folder / DEFAULT_NAME).is_file():
            return folder / DEFAULT_NAME
        if folder == top:
            break
    return None


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder, or the file of a
    worktree or submodule); None outside a repository."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def config_file(path: str | None) -> Path:
    """The config file to read: the given path, else ./wfpromote.yaml, else one in a parent
    folder up to the repository root (:func:`find_config`)."""
    if not path and not Path(DEFAULT_NAME).exists():
        found = find_config()
        if found is not None:
            return found
        top = repository_root(Path.cwd())
        where = (f"in {Path.cwd()} or its parent folders up to the repository root {top}"
                 if top is not None and top != Path.cwd().resolve() else f"in {Path.cwd()}")
        raise ConfigError(f"no {DEFAULT_NAME} {where}",
                          hint=f"pass --config FILE, or create {DEFAULT_NAME} (see "
                               "examples/promotions/wfpromote.yaml, or run wfpromote init)")
    chosen = Path(path) if path else Path(DEFAULT_NAME)
    if chosen.is_dir():
        raise ConfigError(f"configuration file {chosen} is a directory",
                          hint="pass the file itself, e.g. --config "
                               f"{chosen / DEFAULT_NAME}")
    if not chosen.is_file():
        shown = str(chosen)
        if path:
            raise ConfigError(f"configuration file {shown} not found",
                              hint="check the --config path (or WFPROMOTE_CONFIG)")
        raise ConfigError(f"no {DEFAULT_NAME} in {Path.cwd()}",
                          hint=f"pass --config FILE, or create {DEFAULT_NAME} (see "
                               "examples/promotions/wfpromote.yaml)")
    return chosen


def load_config(path: str | None) -> Config:
    """Read and check the configuration; raise ConfigError, or ValidationFailed
    carrying every problem, when it is wrong."""
    from reconciler.desired.sources import SourceError, display_path, read_documents

    file = config_file(path)
    shown = display_path(file)
    try:
        docs = read_documents(file, shown)
    except SourceError as exc:
        if exc.message == "empty file":  # the package-file wording would mislead here
            raise _invalid([Problem(
                "the configuration file is empty (or holds only comments)",
                exc.location or Location(shown),
                "set at least owner: and environments: (see examples/promotions/"
                "wfpromote.yaml), or scaffold one with: wfpromote init")]) from None
        raise _invalid([exc.problem()]) from None
    if len(docs) > 1:
        raise _invalid([Problem("the configuration must be a single YAML document",
                                     docs[1].location(),
                                     "remove the '---' and the document after it")])
    doc = docs[0]
    problems = check_config_document(doc)
    state = doc.data.get("simulator", {}).get("state") if not problems else None
    if isinstance(state, str) and (file.parent / state).is_dir():
        problems.append(Problem("'state' is a folder; the simulator keeps its state in a file",
                                doc.location(("simulator", "state")),
                                "e.g. state: .wfpromote/simulator.json"))
    if problems:
        raise _invalid(problems)
    return _to_model(doc, file)


def check_config_document(doc: Document) -> list[Problem]:
    """Every problem of one configuration document (secrets first, never echoed)."""
    from reconciler.desired.schemas import problems_from_schema

    if not isinstance(doc.data, dict):
        return [Problem("the configuration must be a mapping of settings", doc.location(),
                        "see examples/promotions/wfpromote.yaml")]
    if isinstance(doc.data.get("api"), int) and str(doc.data["api"]) in PROFILE_NAMES:
        doc.data["api"] = str(doc.data["api"])  # `api: 2023` unquoted is a number in YAML
    problems = _take_secrets(doc, doc.data, ())
    api = doc.data.get("api", DEFAULT_PROFILE)
    if isinstance(api, int) and not isinstance(api, bool):  # `api: 2024`: same message
        api = str(api)
    if isinstance(api, str) and api not in PROFILE_NAMES:
        doc.data.pop("api")
        problems.append(Problem(f"unknown API profile '{api}'", doc.location(("api",)),
                                "allowed profiles: " + ", ".join(PROFILE_NAMES)))
    # A removed secret may leave its mapping empty; that follow-on error is only noise.
    emptied = {p.location.path.rsplit(".", 1)[0] for p in problems if p.location.path}
    problems += [p for p in problems_from_schema("config", doc, echo=False)
                 if p.location.path not in emptied]
    if not problems:
        problems += _check_environments(doc)
        problems += _check_paths(doc)
        problems += _non_finite(doc, doc.data, ())
    return problems


def _non_finite(doc: Document, data: Any, path: KeyPath) -> list[Problem]:
    """`.inf` and `.nan` pass every bound of the schema (NaN compares false), so refuse them."""
    if isinstance(data, float) and not math.isfinite(data):
        return [Problem(f"'{path[-1]}' must be a finite number", doc.location(path),
                        "write a number of seconds (or a count), e.g. 30")]
    items = data.items() if isinstance(data, dict) else \
        enumerate(data) if isinstance(data, list) else ()
    return [p for key, value in items for p in _non_finite(doc, value, (*path, key))]


def _check_paths(doc: Document) -> list[Problem]:
    """`packages` and the simulator's state are relative paths that stay in the repository."""
    problems = []
    for where in (("packages",), ("simulator", "state")):
        value: Any = doc.data
        for key in where:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str):
            continue
        normal = os.path.normpath(value)
        if os.path.isabs(value) or value.startswith("~") or normal.split(os.sep)[0] == "..":
            problems.append(Problem(
                f"'{where[-1]}' must be a path inside the repository (relative to this file)",
                doc.location(where), "e.g. packages: promotions/" if where == ("packages",)
                else "e.g. state: .wfpromote/simulator.json"))
    return problems


def _take_secrets(doc: Document, data: Any, path: KeyPath) -> list[Problem]:
    """Report and remove literal secrets; register each so it is masked everywhere."""
    from reconciler.redact import register

    found: list[Problem] = []
    if isinstance(data, list):
        for i, item in enumerate(data):
            found += _take_secrets(doc, item, (*path, i))
    if not isinstance(data, dict):
        return found
    for key in list(data):
        value = data[key]
        form = _SECRET_KEYS.get(key.lower().replace("-", "_"))
        if form and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            register(str(value))
            del data[key]
            found.append(Problem(
                f"secret value written in the configuration (key '{key}')",
                doc.location((*path, key), key=True),
                f"never put secrets in files: export it as an environment variable and name "
                f"the variable, e.g. {form}: WF_SANDBOX_KEY"))
        elif key.endswith("_env") and isinstance(value, str) and (
                not _looks_like_var(value) or credential_shape(value)):
            register(value)  # probably the secret itself, written where its name belongs
            shape = credential_shape(value)
            found.append(Problem(
                f"'{key}' holds what looks like {shape}, not the name of an environment "
                "variable" if shape else
                f"'{key}' must name an environment variable (letters, digits, '_'; "
                "not starting with a digit)",
                doc.location((*path, key)),
                "write the variable's name here (e.g. WF_SANDBOX_KEY), not its value"
                + ("; if this was a real credential, rotate it" if shape else "")))
            del data[key]
        else:
            found += _take_secrets(doc, value, (*path, key))
    return found


_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEX32 = re.compile(r"[0-9A-Fa-f]{32}")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?"
                   r"[0-9A-Fa-f]{12}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _looks_like_var(text: str) -> bool:
    return _VAR_NAME.fullmatch(text) is not None


def credential_shape(text: str) -> str | None:
    """What kind of credential ``text`` looks like (for a message that never quotes it), or
    None. Names of environment variables are words joined by '_'; credentials are not."""
    value = text.strip()
    if _HEX32.fullmatch(value):
        return "a Workfront API key or session ID (32 hexadecimal characters)"
    if _UUID.fullmatch(value):
        return "a UUID (the shape of a session ID or client secret)"
    if _JWT.fullmatch(value):
        return "a JSON Web Token"
    if any(_random_looking(part) for part in re.split(r"[_\W]+", value)) or \
            (len(value) >= 40 and not _VAR_NAME.fullmatch(value)):
        return "a long random string (a key or token)"
    return None


def _random_looking(part: str) -> bool:
    """A run of 20+ characters mixing letters and digits with high entropy: not a word."""
    if len(part) < 20:
        return False
    digits = sum(c.isdigit() for c in part)
    letters = sum(c.isalpha() for c in part)
    if not digits or not letters:
        return False
    counts = {c: part.count(c) for c in set(part)}
    entropy = -sum(n / len(part) * math.log2(n / len(part)) for n in counts.values())
    return entropy >= 3.0


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why ``url`` is refused, or None. The URL itself is not quoted (it could hold a secret)."""
    if url == "simulator":
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
    except ValueError:
        return "is not a valid URL"
    if any(c.isspace() for c in url) or (host and not _HOST.match(host)):
        return "is not a valid URL (spaces, or characters a host name cannot have)"
    if parts.username or parts.password:
        return "must not carry credentials (user:password@)"
    if parts.query or parts.fragment:
        # A query is where a sessionID or apiKey would hide; it would also be copied into
        # every package's `source` and into saved plans.
        return "must not carry a query string or fragment (?... or #...)"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host:
        return None if is_loopback(host) else \
            "uses http:// for a host that is not on this machine"
    return "must be https://HOST, http:// to a loopback host, or 'simulator'"


def _check_environments(doc: Document) -> list[Problem]:
    problems = []
    for name, env in doc.data.get("environments", {}).items():
        where: KeyPath = ("environments", name)
        why = url_problem(env["url"])
        if why:
            problems.append(Problem(f"url of environment '{name}' {why}",
                                    doc.location((*where, "url")),
                                    "give the base URL only, e.g. https://acme.my.workfront.com;"
                                    " credentials go under auth: as variable names"
                                    if "query" in why else
                                    "use https://; http:// only for 127.0.0.1/localhost/::1 "
                                    "(a local simulator); or url: simulator"))
        local = env["url"] == "simulator" or (not why and
                                              is_loopback(urlsplit(env["url"]).hostname))
        if "auth" not in env and not local and not why:
            problems.append(Problem(f"environment '{name}' has no auth", doc.location(where),
                                    f"add auth with one of {_AUTH_MODES}, e.g. auth: "
                                    "{apikey_env: WF_" + name.upper().replace("-", "_") +
                                    "_KEY}"))
        for mode in ("oauth", "refresh"):
            token_url = env.get("auth", {}).get(mode, {}).get("token_url")
            if token_url is not None and (token_url == "simulator" or url_problem(token_url)):
                token_why = url_problem(token_url) if token_url != "simulator" else None
                problems.append(Problem(
                    f"token_url of environment '{name}' " + (
                        token_why if token_why and "query" in token_why else
                        "must be https:// (or http:// to a loopback host)"),
                    doc.location((*where, "auth", mode, "token_url")),
                    "the client ID and secret are sent in the form body, never in the URL"
                    if token_why and "query" in token_why else
                    "e.g. token_url: https://ims-na1.adobelogin.com/ims/token/v3"))
    return problems


def _to_model(doc: Document, file: Path) -> Config:
    from pydantic import ValidationError

    from reconciler.domain.declared import Config

    try:
        return Config(**doc.data, root=str(file.resolve().parent), path=str(file))
    except ValidationError as exc:  # the schema should have caught it: report, don't crash
        raise _invalid([Problem(f"{err['msg']}", doc.location(tuple(err["loc"])))
                             for err in exc.errors(include_input=False)]) from None


def _invalid(problems: list[Problem]) -> ValidationFailed:
    return ValidationFailed(problems, where="the configuration")
