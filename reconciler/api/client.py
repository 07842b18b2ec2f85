"""The async client of one environment's Environment Promotion API (``PromotionAPI``).

One typed method per endpoint (E1-E11 of the reference; R1/R2 where the profile has them).
Bodies are sent conservatively (``name``, never ``packageName``; status names as the profile
spells them); answers are read liberally through ``reconciler.api.decode``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from reconciler.api import decode
from reconciler.api.auth import auth_hint
from reconciler.api.transport import RetryPolicy, Sender, excerpt
from reconciler.clock import Clock, RealClock
from reconciler.domain.profiles import Capabilities, Profile
from reconciler.domain.remote import (
    Installation,
    RemotePackage,
    TranslationMap,
    environment_key,
)
from reconciler.errors import ApiError, WfpromoteError
from reconciler.redact import safe_url

log = logging.getLogger("reconciler.api")

_HEADERS = {"Accept": "application/json"}
T = TypeVar("T")


def _no_tls_context() -> Any:
    """For a plain-http (loopback) environment: a TLS context that verifies certificates and
    host names but trusts no authority, so it is cheap to make (loading the CA bundle is a
    tenth of a small plan's time) and any https connection through it fails closed. Redirects
    are not followed, so no request of this client leaves http://."""
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class PromotionClient:
    """``PromotionAPI`` over HTTP, for the real service and for the simulator alike."""

    def __init__(self, environment: str, base_url: str, profile: Profile, *,
                 auth: httpx.Auth | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 30.0, retry: RetryPolicy | None = None,
                 clock: Clock | None = None, limits: httpx.Limits | None = None,
                 environment_url: str | None = None) -> None:
        """``base_url`` is the API root, i.e. the environment URL plus ``profile.base_path``."""
        self.environment = environment
        self.profile = profile
        self.capabilities: Capabilities = profile.capabilities
        self.base_url = base_url.rstrip("/")
        if environment_url is None:
            environment_url = self.base_url
            if environment_url.endswith(profile.base_path):
                environment_url = environment_url[: -len(profile.base_path)]
        # How installations into this environment name it, once normalised.
        self.environment_key = environment_key(environment_url) or ""
        kwargs: dict[str, Any] = {}
        if transport is not None:
            kwargs["transport"] = transport
        else:
            if limits is not None:
                kwargs["limits"] = limits
            if self.base_url.startswith("http://"):
                kwargs["verify"] = _no_tls_context()
        from reconciler.api.trace import event_hooks

        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/", auth=auth, headers=_HEADERS,
            timeout=httpx.Timeout(timeout), follow_redirects=False,
            event_hooks=event_hooks(self.base_url), **kwargs)
        self._sender = Sender(self._http, retry or RetryPolicy(), clock or RealClock(),
                              auth_hint(auth))

    def __repr__(self) -> str:
        return (f"PromotionClient(environment={self.environment!r}, "
                f"base_url={safe_url(self.base_url)!r}, profile={self.profile.name!r})")

    async def __aenter__(self) -> PromotionClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- packages -------------------------------------------------------------------------

    async def create_package(self, body: dict[str, Any]) -> RemotePackage:          # E1
        payload = self._package_body(body)
        response = await self._sender.send("POST", "packages", json=payload,
                                           retry_safe=False)
        return self._read(response, decode.package)

    async def list_packages(self) -> list[RemotePackage]:                           # E2
        return await self._get("packages", decode.packages)

    async def get_package(self, package_id: str) -> RemotePackage:                 # E3
        return await self._get(f"packages/{_seg(package_id)}", decode.package)

    async def patch_package(self, package_id: str,
                            fields: dict[str, Any]) -> RemotePackage:               # E4
        payload = self._package_body(fields)
        if "objectCollections" in payload and not self.capabilities.reassemble_with_patch:
            raise self._lacks("re-assembly through PATCH with objectCollections")
        response = await self._sender.send("PATCH", f"packages/{_seg(package_id)}",
                                           json=payload)
        return self._read(response, decode.package)

    async def delete_package(self, package_id: str) -> None:                       # E5
        # Any 2xx is success ("Deleted" as plain text, JSON or empty). A 404 on a repeated
        # attempt means the first one landed and its answer was lost.
        await self._sender.send("DELETE", f"packages/{_seg(package_id)}",
                                accept_after_retry={404})

    async def get_definition(self, package_id: str) -> dict[str, Any]:            # R1
        if not self.capabilities.read_definition:
            raise self._lacks("GET /packages/{id}/definition")
        response = await self._sender.send("GET", f"packages/{_seg(package_id)}/definition")
        data = decode.unwrap(self._json(response))
        if isinstance(data, dict) and isinstance(data.get("packageEntities"), dict):
            return dict(data["packageEntities"])
        if isinstance(data, dict):
            return data
        raise self._shape_error(response, "expected a definition object")

    async def replace_package(self, package_id: str,
                              body: dict[str, Any]) -> RemotePackage:              # R2
        if not self.capabilities.replace_with_put:
            raise self._lacks("PUT /packages/{id}")
        response = await self._sender.send("PUT", f"packages/{_seg(package_id)}",
                                           json=self._package_body(body))
        return self._read(response, decode.package)

    # --- pre-run and installation ---------------------------------------------------------

    async def prepare_installation(self, package_id: str) -> Installation:        # E6
        # Safe to repeat: a second pre-run only leaves an unused PREPARING record behind,
        # and the caller always installs the one it got back.
        response = await self._sender.send(
            "POST", f"packages/{_seg(package_id)}/prepare-installation", json={},
            retry_safe=True)
        return self._read(response, decode.installation)

    async def install(self, installation_id: str,
                      translation_map: TranslationMap | None = None) -> None:       # E7
        """Start the install of a pre-run. An edited map goes in the body only where the
        profile's E7 takes one (2023); elsewhere an edited map needs ``install_with_map``."""
        body: dict[str, Any] = {}
        if translation_map is not None:
            if not self.capabilities.map_in_prerun_install:
                raise self._lacks("an edited translation map in POST /installations/{id}/install")
            body["translationMap"] = decode.translation_map_body(translation_map)
        await self._sender.send("POST", f"installations/{_seg(installation_id)}/install",
                                json=body, retry_safe=False)

    async def list_installations(self, package_id: str) -> list[Installation]:    # E8
        return await self._get("installations", decode.installations,
                               params={"environmentPromotionPackageId": package_id})

    async def get_installation(self, installation_id: str) -> Installation:       # E9
        return await self._get(f"installations/{_seg(installation_id)}",
                               decode.installation)

    async def translation_map(self, package_id: str) -> TranslationMap:           # E10
        if not self.capabilities.install_with_map:
            raise self._lacks("POST /packages/{id}/translation-map")
        # Computes a map and changes nothing, so it may be repeated.
        response = await self._sender.send(
            "POST", f"packages/{_seg(package_id)}/translation-map", retry_safe=True)
        return self._read(response, decode.translation_map)

    async def install_with_map(self, package_id: str, translation_map: TranslationMap,
                               *, exclude_ids: frozenset[str] = frozenset()) -> str:  # E11
        """Start an install with an edited map; returns the new installation's ID.

        The ID is read from a bare UUID (text or JSON string) or an ``id``/``installationId``
        key; otherwise the history (E8) is searched for the newest installation of this
        package into this environment, other than ``exclude_ids`` (the pre-run's record).
        """
        if not self.capabilities.install_with_map:
            raise self._lacks("POST /packages/{id}/install")
        body = {"translationMap": decode.translation_map_body(translation_map)}
        response = await self._sender.send("POST", f"packages/{_seg(package_id)}/install",
                                           json=body, retry_safe=False)
        found = decode.installation_id(response.text)
        if found:
            return found
        log.info("install of %s answered without an installation ID; reading the history",
                 package_id)
        history = await self.list_installations(package_id)
        ours = [i for i in history
                if i.environmentPromotionPackageId in (None, package_id)
                and i.id not in exclude_ids
                and environment_key(i.environment) == self.environment_key]
        latest = decode.newest(ours)
        if latest is None:
            raise self._shape_error(response, "install accepted but no installation of this "
                                    f"package into {self.environment!r} found in the history")
        return latest.id

    # --- helpers --------------------------------------------------------------------------

    async def _get(self, path: str, parse: Callable[[Any], T],
                   params: dict[str, str] | None = None) -> T:
        """A read whose answer could not be read (cut-off or malformed JSON, an HTML page
        from a proxy) is asked once more: reading changes nothing."""
        response = await self._sender.send("GET", path, params=params)
        try:
            return self._read(response, parse)
        except ApiError as exc:
            log.warning("%s; asking once more", exc.message)
        response = await self._sender.send("GET", path, params=params)
        return self._read(response, parse)

    def _package_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """Our spelling on the wire: ``name`` (never ``packageName``), profile status names."""
        out = dict(body)
        if "packageName" in out:
            legacy = out.pop("packageName")
            out.setdefault("name", legacy)
        if isinstance(out.get("status"), str):
            out["status"] = self.profile.wire_status(out["status"].upper())
        return out

    def _lacks(self, feature: str) -> WfpromoteError:
        return WfpromoteError(
            f"environment {self.environment!r}: the API profile {self.profile.name!r} "
            f"does not offer {feature}",
            hint="check `api:` in wfpromote.yaml; callers should consult client.capabilities")

    def _json(self, response: httpx.Response) -> Any:
        text = response.text
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            kind = ("an HTML page" if "<html" in text[:500].lower() or
                    "<!doctype" in text[:200].lower() else "invalid JSON")
            raise self._shape_error(response, f"expected JSON, got {kind}") from None

    def _read(self, response: httpx.Response, parse: Callable[[Any], T]) -> T:
        payload = self._json(response)
        try:
            return parse(payload)
        except decode.UnexpectedShape as exc:
            if payload is None:  # "got NoneType" would say nothing to a user
                raise self._shape_error(response, "expected JSON, got an empty body") from None
            raise self._shape_error(response, f"unexpected answer: {exc}") from None

    def _shape_error(self, response: httpx.Response, message: str) -> ApiError:
        return ApiError(message, method=response.request.method,
                        url=safe_url(response.request.url), status=response.status_code,
                        excerpt=excerpt(response.text),
                        hint="the service answered in a shape wfpromote does not know; "
                             "check the environment url and the `api:` profile")


def _seg(value: str) -> str:
    """One path segment: IDs never contain '/', but a stray one must not change the route."""
    return quote(str(value), safe="")
