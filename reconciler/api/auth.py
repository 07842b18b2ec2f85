"""Credentials as ``httpx.Auth`` objects, built from the environment variables a config names.

Every secret is registered with ``reconciler.redact`` the moment it is read or received, and
no class shows a secret in its ``repr``: only the names of the variables it came from.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Generator, Mapping
from dataclasses import dataclass

import httpx

from reconciler.api.transport import excerpt
from reconciler.clock import Clock, RealClock
from reconciler.domain.declared import AuthConfig
from reconciler.errors import AuthError
from reconciler.redact import register, safe_url

# Renew a token this long before the service says it expires (or a tenth of its life when
# that is shorter), so a request never leaves with a token that dies on the way.
RENEW_MARGIN_SECONDS = 60.0


class _HeaderAuth(httpx.Auth):
    """A fixed secret sent in one header."""

    header = ""
    prefix = ""
    label = "credential"

    def __init__(self, secret: str, *, source: str | None = None) -> None:
        register(secret)
        self._secret = secret
        self.source = source  # the environment variable it came from, for hints

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.prefix + self._secret
        yield request

    def hint(self) -> str:
        where = f" in ${self.source}" if self.source else ""
        return f"check the {self.label}{where}; it may be wrong, expired or lack admin rights"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(source={self.source!r})"


class ApiKeyAuth(_HeaderAuth):
    header = "apikey"
    label = "Workfront API key"


class SessionAuth(_HeaderAuth):
    header = "sessionID"
    label = "Workfront session ID"


class BearerAuth(_HeaderAuth):
    header = "Authorization"
    prefix = "Bearer "
    label = "bearer token"


@dataclass
class _Token:
    value: str
    expires_at: float | None  # clock.now() seconds; None = unknown, renewed only on a 401


class _TokenAuth(httpx.Auth):
    """A token fetched from a token endpoint, cached, renewed before expiry and once on a 401."""

    requires_response_body = True
    label = "OAuth credentials"

    def __init__(self, token_url: str, *, clock: Clock | None = None,
                 sources: tuple[str, ...] = ()) -> None:
        self.token_url = token_url
        self.sources = sources
        self._clock: Clock = clock or RealClock()
        self._token: _Token | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self.token_requests = 0  # how many times a token was fetched (for tests and logs)

    # --- what subclasses define -----------------------------------------------------------

    def _token_form(self) -> dict[str, str]:
        raise NotImplementedError

    def _apply(self, request: httpx.Request, token: str) -> None:
        raise NotImplementedError

    def _accept_extra(self, payload: dict[str, object]) -> None:
        """Take anything besides the access token from a token answer."""

    # --- the flow ---------------------------------------------------------------------------

    def _fresh(self) -> bool:
        token = self._token
        if token is None:
            return False
        return token.expires_at is None or self._clock.now() < token.expires_at

    def _token_request(self) -> httpx.Request:
        return httpx.Request("POST", self.token_url, data=self._token_form(),
                             headers={"Accept": "application/json"})

    def _accept(self, response: httpx.Response) -> None:
        self.token_requests += 1
        if response.status_code != 200:
            raise AuthError("token request refused", method="POST", url=safe_url(self.token_url),
                            status=response.status_code, excerpt=excerpt(response.text),
                            hint=self.hint())
        try:
            payload = json.loads(response.content or b"null")
        except ValueError:
            payload = None
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or not isinstance(token, str) or not token:
            raise AuthError("token answer carries no access_token", method="POST",
                            url=safe_url(self.token_url), status=response.status_code,
                            hint=self.hint())
        register(token)
        self._accept_extra(payload)
        expires_at = None
        lifetime = payload.get("expires_in")
        if isinstance(lifetime, (int, float, str)) and str(lifetime).replace(".", "").isdigit():
            seconds = float(lifetime)
            margin = min(RENEW_MARGIN_SECONDS, seconds / 10)
            expires_at = self._clock.now() + seconds - margin
        self._token = _Token(token, expires_at)

    def _lock(self) -> asyncio.Lock:
        # One lock per event loop: a CLI run may use several loops over its life.
        loop_id = id(asyncio.get_running_loop())
        return self._locks.setdefault(loop_id, asyncio.Lock())

    def sync_auth_flow(self, request: httpx.Request
                       ) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._fresh():
            self._accept(self._read_sync((yield self._token_request())))
        assert self._token is not None
        self._apply(request, self._token.value)
        response = yield request
        if response.status_code == 401:
            response.read()
            self._accept(self._read_sync((yield self._token_request())))
            self._apply(request, self._token.value)
            yield request

    @staticmethod
    def _read_sync(response: httpx.Response) -> httpx.Response:
        response.read()
        return response

    async def async_auth_flow(self, request: httpx.Request
                              ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._fresh():
            async with self._lock():
                if not self._fresh():  # another request may have renewed it meanwhile
                    answer = yield self._token_request()
                    await answer.aread()
                    self._accept(answer)
        assert self._token is not None
        used = self._token
        self._apply(request, used.value)
        response = yield request
        if response.status_code == 401:
            await response.aread()
            async with self._lock():
                if self._token is used:  # nobody renewed it since: renew exactly once
                    answer = yield self._token_request()
                    await answer.aread()
                    self._accept(answer)
            self._apply(request, self._token.value)
            yield request

    def hint(self) -> str:
        names = ", ".join(f"${name}" for name in self.sources)
        where = f" ({names})" if names else ""
        return (f"check the {self.label}{where} and the token_url; the account needs "
                "Workfront admin rights")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={self.token_url!r}, sources={self.sources!r})"


class ClientCredentialsAuth(_TokenAuth):
    """OAuth2 client credentials (e.g. Adobe IMS server-to-server); sends a Bearer token."""

    label = "OAuth client credentials"

    def __init__(self, token_url: str, client_id: str, client_secret: str,
                 scope: str | None = None, *, clock: Clock | None = None,
                 sources: tuple[str, ...] = ()) -> None:
        super().__init__(token_url, clock=clock, sources=sources)
        register(client_secret)
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope

    def _token_form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret}
        if self._scope:
            form["scope"] = self._scope
        return form

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"


class RefreshTokenAuth(_TokenAuth):
    """Workfront's own OAuth2 app: a refresh token buys an access token that is a session ID."""

    label = "Workfront OAuth2 app credentials"

    def __init__(self, token_url: str, client_id: str, client_secret: str,
                 refresh_token: str, *, clock: Clock | None = None,
                 sources: tuple[str, ...] = ()) -> None:
        super().__init__(token_url, clock=clock, sources=sources)
        register(client_secret)
        register(refresh_token)
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token

    def _token_form(self) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": self._refresh_token,
                "client_id": self._client_id, "client_secret": self._client_secret}

    def _accept_extra(self, payload: dict[str, object]) -> None:
        # Workfront may rotate the refresh token; the newest one is the only one kept.
        new = payload.get("refresh_token")
        if isinstance(new, str) and new:
            register(new)
            self._refresh_token = new

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["sessionID"] = token


# --- from configuration ---------------------------------------------------------------------


def _read(environ: Mapping[str, str], variable: str, env_name: str, what: str) -> str:
    value = environ.get(variable, "")
    if not value.strip():
        raise AuthError(
            f"environment {env_name!r}: the variable ${variable} ({what}) is not set",
            hint=f"export {variable}=... before running, or in CI add it as a secret and "
                 "pass it to the job's env")
    value = value.strip()
    register(value)
    return value


def auth_from_config(auth: AuthConfig | None, environ: Mapping[str, str], env_name: str,
                     *, clock: Clock | None = None) -> httpx.Auth | None:
    """The ``httpx.Auth`` for one environment's ``auth:`` block; None when there is none."""
    if auth is None:
        return None
    if auth.apikey_env:
        return ApiKeyAuth(_read(environ, auth.apikey_env, env_name, "Workfront API key"),
                          source=auth.apikey_env)
    if auth.session_env:
        return SessionAuth(_read(environ, auth.session_env, env_name, "Workfront session ID"),
                           source=auth.session_env)
    if auth.bearer_env:
        return BearerAuth(_read(environ, auth.bearer_env, env_name, "bearer token"),
                          source=auth.bearer_env)
    if auth.oauth:
        o = auth.oauth
        return ClientCredentialsAuth(
            o.token_url,
            _read(environ, o.client_id_env, env_name, "OAuth client ID"),
            _read(environ, o.client_secret_env, env_name, "OAuth client secret"),
            o.scope, clock=clock, sources=(o.client_id_env, o.client_secret_env))
    if auth.refresh:
        r = auth.refresh
        return RefreshTokenAuth(
            r.token_url,
            _read(environ, r.client_id_env, env_name, "OAuth2 app client ID"),
            _read(environ, r.client_secret_env, env_name, "OAuth2 app client secret"),
            _read(environ, r.refresh_token_env, env_name, "OAuth2 refresh token"),
            clock=clock,
            sources=(r.client_id_env, r.client_secret_env, r.refresh_token_env))
    return None


def needed_variables(auth: AuthConfig | None) -> list[tuple[str, str]]:
    """(variable, what it holds) for each environment variable ``auth`` reads, in the order
    ``auth_from_config`` reads them."""
    if auth is None:
        return []
    if auth.apikey_env:
        return [(auth.apikey_env, "Workfront API key")]
    if auth.session_env:
        return [(auth.session_env, "Workfront session ID")]
    if auth.bearer_env:
        return [(auth.bearer_env, "bearer token")]
    if auth.oauth:
        return [(auth.oauth.client_id_env, "OAuth client ID"),
                (auth.oauth.client_secret_env, "OAuth client secret")]
    if auth.refresh:
        r = auth.refresh
        return [(r.client_id_env, "OAuth2 app client ID"),
                (r.client_secret_env, "OAuth2 app client secret"),
                (r.refresh_token_env, "OAuth2 refresh token")]
    return []


def missing_variables(auth: AuthConfig | None,
                      environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """The variables of ``needed_variables`` that are unset or blank (values never read
    into the result)."""
    return [(name, what) for name, what in needed_variables(auth)
            if not environ.get(name, "").strip()]


def auth_hint(auth: httpx.Auth | None) -> str | None:
    """The hint an AuthError should carry for these credentials."""
    hint = getattr(auth, "hint", None)
    return hint() if callable(hint) else None
