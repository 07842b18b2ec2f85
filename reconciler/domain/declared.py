"""Typed internal form of the files the user writes: package files and ``wfpromote.yaml``.

The JSON Schemas in ``schemas/`` are the source of truth for the file formats and are what the
loader validates with; these models are what the rest of the code works with. A test keeps the
two in agreement.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from json.encoder import encode_basestring
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.domain.profiles import DEFAULT_PROFILE, PROFILE_NAMES

HEX32 = r"^[0-9a-fA-F]{32}$"
UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Canonical JSON: sorted keys, no spaces; as json.dumps(value, sort_keys=True,
# separators=(",", ":")) writes it, without a new encoder per call. _CANONICAL_TEXT writes
# characters as they are (ensure_ascii=False). The two differ only in how they write a
# character that is not printable ASCII (raw, or escaped as \uXXXX): a _CANONICAL_TEXT text
# of printable ASCII only is the _CANONICAL_JSON text too.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_CANONICAL_TEXT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# Where clients address an environment with ``url: simulator`` (served in-process, no socket).
SIMULATOR_ROOT = "http://simulator.local"


class Status(StrEnum):
    """Package lifecycle statuses a user may declare."""

    DRAFT = "DRAFT"
    TESTING = "TESTING"
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Entity(_Strict):
    ID: str = Field(pattern=HEX32)
    name: str | None = None


class ObjectCollection(_Strict):
    objCode: str
    entities: tuple[Entity, ...]


InstallAction = Literal["CREATE", "USEEXISTING", "OVERWRITING", "IGNORE"]

DURATION_RE = r"^[1-9][0-9]{0,5}[mhd]$"
DURATION_UNITS = {"m": 60, "h": 3_600, "d": 86_400}
MAX_SOAK_SECONDS = 365 * 86_400


def duration_seconds(text: str) -> int:
    """``30m``, ``4h``, ``2d`` as seconds (the schema's DURATION_RE is checked first)."""
    if not re.fullmatch(DURATION_RE, text):
        raise ValueError(f"{text!r} is not a duration such as 30m, 4h or 2d")
    return int(text[:-1]) * DURATION_UNITS[text[-1]]


class InstallStep(_Strict):
    environment: str
    overrides: dict[str, dict[str, InstallAction]] = Field(default_factory=dict)
    # Environments that must hold the same version first; an item may also be written
    # {environment: preview, soak: 4h}: then it must have held it that long (``soaks``).
    after: tuple[str, ...] = ()
    # Filled from ``after`` by the model, not written as such: gate environment -> seconds.
    soaks: dict[str, int] = Field(default_factory=dict, exclude=True)
    # What to do with records the pre-run matched in the target: "use" keeps the service's
    # USEEXISTING (the target record is not changed); "overwrite" turns every USEEXISTING into
    # OVERWRITING. Overrides win over it.
    existing: Literal["use", "overwrite"] = "use"

    @model_validator(mode="before")
    @classmethod
    def _split_soaks(cls, data: Any) -> Any:
        """``after: [{environment: preview, soak: 4h}]`` -> after ("preview",) and soaks."""
        if not isinstance(data, dict) or not isinstance(data.get("after"), list | tuple):
            return data
        names: list[Any] = []
        soaks: dict[str, int] = {}
        for item in data["after"]:
            if isinstance(item, dict) and set(item) <= {"environment", "soak"} \
                    and isinstance(item.get("environment"), str):
                names.append(item["environment"])
                if isinstance(item.get("soak"), str):
                    soaks[item["environment"]] = duration_seconds(item["soak"])
            else:
                names.append(item)
        return {**data, "after": names, "soaks": soaks}


class SourceRef(_Strict):
    """Where a package was declared: file and 1-based line of its document."""

    file: str
    line: int = 1


class _Canonical(NamedTuple):
    content: dict[str, Any]
    text: str       # the content as _CANONICAL_TEXT writes it
    digest: str     # sha256 of the content as _CANONICAL_JSON writes it


def _content_text(content: dict[str, Any]) -> str:
    """``_CANONICAL_TEXT.encode(content)``. The usual shape (object collections) is written out
    directly, as the encoder writes it (sorted keys, strings by its own string function),
    without setting up an encoder per package."""
    if "objectCollections" not in content:
        return _CANONICAL_TEXT.encode(content)
    collections = ",".join(
        '{"entities":[' + ",".join(map(encode_basestring, c["entities"]))
        + '],"objCode":' + encode_basestring(c["objCode"]) + "}"
        for c in content["objectCollections"])
    revision = ("" if "revision" not in content
                else ',"revision":' + _CANONICAL_TEXT.encode(content["revision"]))
    return (f'{{"objectCollections":[{collections}]{revision},'
            f'"source":{encode_basestring(content["source"])}}}')


class PackageSpec(_Strict):
    """One declared package."""

    name: str
    description: str = ""
    source: str
    status: Status = Status.DRAFT
    objectCollections: tuple[ObjectCollection, ...] | None = None
    definition: str | None = None
    id: str | None = Field(default=None, pattern=UUID_RE)
    # Raised by hand to re-assemble a package whose source objects changed (part of content).
    revision: int | None = Field(default=None, ge=0)
    install: tuple[InstallStep, ...] = ()
    # Filled by the loader, not by the user: the parsed `definition` file (packageEntities map)
    # and where the package was declared.
    definition_content: dict[str, Any] | None = Field(default=None, exclude=True)
    origin: SourceRef | None = Field(default=None, exclude=True)

    def content(self) -> dict[str, Any]:
        """The declared content that assembly depends on, in a canonical order.

        Changing it means the package must be re-assembled (replaced); name, description and
        status are not part of it because PATCH can change them in place. ``revision`` is
        part of it only when declared, so packages without one keep their digest. The spec is
        frozen, so this is computed once and shared: read it, never change it.
        """
        return self._canonical.content

    def content_json(self) -> str:
        """``content()`` as canonical JSON, characters as they are (``ensure_ascii=False``):
        the declared digest of the files (``desired.loader.declared_digest``) includes it."""
        return self._canonical.text

    def digest(self) -> str:
        """sha256 of the canonical declared content; written into the ownership marker."""
        return self._canonical.digest

    @cached_property
    def _canonical(self) -> _Canonical:
        """The content, its JSON and its digest, made together once: the spec is frozen, and
        they are asked for several times."""
        out: dict[str, Any]
        if self.objectCollections is not None:
            collections = [
                {"objCode": c.objCode, "entities": sorted([e.ID.lower() for e in c.entities])}
                for c in sorted(self.objectCollections, key=lambda c: c.objCode)]
            out = {"source": self.source, "objectCollections": collections}
        else:
            out = {"source": self.source, "packageEntities": self.definition_content or {}}
        if self.revision is not None:
            out["revision"] = self.revision
        text = _content_text(out)
        blob = text if text.isascii() and "\x7f" not in text else _CANONICAL_JSON.encode(out)
        return _Canonical(out, text, hashlib.sha256(blob.encode()).hexdigest())

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> PackageSpec:
        """A copy, without the content and digest computed for the original (they may
        differ)."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("_canonical", None)
        return copied


# --- configuration -------------------------------------------------------------------------


class OAuthClientCredentials(_Strict):
    client_id_env: str
    client_secret_env: str
    token_url: str
    scope: str | None = None


class OAuthRefreshToken(_Strict):
    """Workfront's own OAuth2 app: the access token it returns is a session ID."""

    client_id_env: str
    client_secret_env: str
    refresh_token_env: str
    token_url: str


class AuthConfig(_Strict):
    """Exactly one way to authenticate, given as names of environment variables."""

    apikey_env: str | None = None
    session_env: str | None = None
    bearer_env: str | None = None
    oauth: OAuthClientCredentials | None = None
    refresh: OAuthRefreshToken | None = None

    def mode(self) -> str | None:
        for name in ("apikey_env", "session_env", "bearer_env", "oauth", "refresh"):
            if getattr(self, name) is not None:
                return name
        return None


EnvKind = Literal["sandbox", "preview", "production"]


class EnvironmentConfig(_Strict):
    url: str  # "https://acme.sb01.workfront.com", a loopback http URL, or "simulator"
    kind: EnvKind
    auth: AuthConfig | None = None

    @property
    def is_simulator(self) -> bool:
        return self.url == "simulator"

    def base_url(self, name: str) -> str:
        """The URL this environment (called ``name``) is reached at, without a trailing '/'."""
        return f"{SIMULATOR_ROOT}/{name}" if self.is_simulator else self.url.rstrip("/")


class Timeouts(_Strict):
    request: float = 30.0      # seconds, one HTTP request
    assembly: float = 900.0    # seconds, waiting for a package to leave ASSEMBLING
    install: float = 1200.0    # seconds, waiting for an installation to finish (20 min)
    lock: float = 0.0          # seconds to wait for another apply's lock; 0 = refuse at once


class Safety(_Strict):
    max_change_percent: float = 30.0  # disable/delete/replace more than this needs --force
    min_managed: int = 10             # ... but only once at least this many are managed
    small_set_percent: float = 50.0   # below min_managed: disable/delete more needs --force


class SimulatorConfig(_Strict):
    state: str = ".wfpromote/simulator.json"
    assembly_seconds: float = 1.0
    install_seconds: float = 1.0


class Config(_Strict):
    api: str = DEFAULT_PROFILE  # one of PROFILE_NAMES
    owner: str
    packages: str = "promotions/"
    prune: Literal["disable", "delete", "off"] = "disable"
    environments: dict[str, EnvironmentConfig]
    concurrency: int = Field(default=8, ge=1, le=64)
    timeouts: Timeouts = Timeouts()
    safety: Safety = Safety()
    simulator: SimulatorConfig = SimulatorConfig()
    # Filled by the loader: the directory the config file lives in (the repository root).
    root: str = Field(default=".", exclude=True)
    path: str = Field(default="wfpromote.yaml", exclude=True)

    @field_validator("api")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in PROFILE_NAMES:
            known = ", ".join(PROFILE_NAMES)
            raise ValueError(f"unknown API profile {value!r}; use one of {known}")
        return value

    def listing_environment(self) -> str:
        """The environment the package list is read through (it spans all environments)."""
        return next(iter(self.environments))
