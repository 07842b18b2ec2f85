"""The HTTP face of the simulator: Starlette routes for one profile over one ``Simulator``.

Each environment is a path prefix: ``/<env>/environment-promotion/api/v1/...``. Shapes and
status codes follow the API reference; where it is silent, docs/simulator.md says what we do.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from reconciler.simulator.core import Simulator
from reconciler.simulator.errors import SimError
from reconciler.simulator.faults import FaultInjector
from reconciler.simulator.middleware import DROP_KEY, FaultMiddleware
from reconciler.simulator.profiles import WireFormat
from reconciler.simulator.state import Installation, Package

Handler = Callable[[Request], Awaitable[Response]]


def json_response(payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type="application/json")


def error_response(status: int, message: str, shape: str = "nested") -> Response:
    """An error body: no shape is documented (reference 1.1), so the behaviour knob picks
    ``{"error": {"message"}}``, ``{"message"}`` or plain text."""
    if shape == "text":
        return PlainTextResponse(message, status_code=status)
    if shape == "flat":
        return json_response({"message": message, "status": status}, status)
    return json_response({"error": {"message": message}}, status)


async def read_body(request: Request, *, required: bool) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise SimError(400, "a JSON body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SimError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise SimError(400, "the body must be a JSON object")
    return body


def environment_label(request: Request, env: str) -> str:
    """What installations report as ``environment``: the host the call came to, plus prefix."""
    host = request.headers.get("host")
    if not host and request.url.hostname:
        host = f"{request.url.hostname}:{request.url.port}" if request.url.port else \
            request.url.hostname
    return f"{host or 'simulator.local'}/{env}"


class Handlers:
    """One method per endpoint (E1-E11, R1-R2)."""

    def __init__(self, sim: Simulator, profile: WireFormat, injector: FaultInjector) -> None:
        self.sim = sim
        self.profile = profile
        self.injector = injector

    def _env(self, request: Request) -> str:
        env = str(request.path_params["env"])
        self.sim.env(env)
        return env

    def _wrapped(self, pkg: Package, *, entities: bool = True) -> Response:
        return json_response({"data": self.profile.package(pkg, entities=entities,
                                                           behaviour=self.sim.behaviour)})

    def _installation(self, request: Request, inst: Installation, *,
                      prerun: bool = False) -> dict[str, Any]:
        return self.profile.installation(inst, self.sim.behaviour, prerun=prerun,
                                         scheme=request.url.scheme or "https")

    async def create_package(self, request: Request) -> Response:            # E1
        env = self._env(request)
        body = await read_body(request, required=True)
        pkg = self.sim.create_package(body, env)
        if self.injector.drop_after_create():
            request.scope[DROP_KEY].append(True)
        return self._wrapped(pkg, entities=False)

    async def list_packages(self, request: Request) -> Response:             # E2
        self._env(request)
        profile = self.profile

        def render(packages: list[Package]) -> bytes:
            items = [profile.list_item(p) for p in packages]
            return json.dumps({"data": items}, separators=(",", ":")).encode()

        body = self.sim.rendered_packages(f"list:{profile.name}", render)
        return Response(body, media_type="application/json")

    async def get_package(self, request: Request) -> Response:               # E3
        self._env(request)
        return self._wrapped(self.sim.get_package(request.path_params["id"]))

    async def patch_package(self, request: Request) -> Response:             # E4
        self._env(request)
        body = await read_body(request, required=True)
        unknown = sorted(set(body) - self.profile.patch_fields)
        if unknown:
            raise SimError(400, f"these fields cannot be changed here: {', '.join(unknown)}")
        changes = {k: v for k, v in body.items() if k not in ("version", "metadata", "isPrivate")}
        if "status" in changes:
            changes["status"] = self.profile.status_in(changes["status"])
        return self._wrapped(self.sim.update_package(request.path_params["id"], changes))

    async def put_package(self, request: Request) -> Response:               # R2
        self._env(request)
        body = await read_body(request, required=True)
        if "status" in body:
            body["status"] = self.profile.status_in(body["status"])
        pkg = self.sim.replace_package(request.path_params["id"], body)
        return self._wrapped(pkg)

    async def delete_package(self, request: Request) -> Response:            # E5
        self._env(request)
        self.sim.delete_package(request.path_params["id"])
        return PlainTextResponse("Deleted")

    async def definition(self, request: Request) -> Response:                # R1
        self._env(request)
        pkg = self.sim.get_package(request.path_params["id"])
        full: dict[str, list[dict[str, Any]]] = {}
        for record in pkg.records:
            full.setdefault(record.objCode, []).append(
                {"id": record.ID, "objCode": record.objCode, "name": record.name,
                 "description": record.description, "parentID": record.parentID})
        return json_response({"packageEntities": full})

    async def prepare(self, request: Request) -> Response:                   # E6
        env = self._env(request)
        await read_body(request, required=False)
        inst = self.sim.prepare_installation(request.path_params["id"], env,
                                             environment_label(request, env))
        return json_response(self._installation(request, inst, prerun=True))

    async def install(self, request: Request) -> Response:                   # E7
        env = self._env(request)
        body = await read_body(request, required=False)
        edited = body.get("translationMap")
        if edited is not None and not self.profile.map_in_prerun_install:
            # Whether the current E7 takes a map is not stated (reference E7): refused, or
            # ignored (the pre-run's map is installed), as the behaviour knob says.
            if self.sim.behaviour.e7_map == "ignore":
                edited = None
            else:
                raise SimError(400, "this install takes no translationMap; install an edited "
                                    "map with POST /packages/{id}/install")
        if edited is not None and not isinstance(edited, dict):
            raise SimError(400, "translationMap must be an object")
        self.sim.install(request.path_params["iid"], env, edited)
        # 200 before 2023-11-02, 202 since (reference E7)
        return json_response({}, 200 if self.profile.map_in_prerun_install else 202)

    async def list_installations(self, request: Request) -> Response:        # E8
        self._env(request)
        params = request.query_params
        package_id = params.get("environmentPromotionPackageId") or params.get("packageId")
        installs = self.sim.list_installations(package_id)
        return json_response([self._installation(request, i) for i in installs])

    async def get_installation(self, request: Request) -> Response:          # E9
        self._env(request)
        inst = self.sim.get_installation(request.path_params["iid"])
        return json_response(self._installation(request, inst))

    async def translation_map(self, request: Request) -> Response:           # E10
        env = self._env(request)
        return json_response(self.sim.translation_map(request.path_params["id"], env), 202)

    async def install_with_map(self, request: Request) -> Response:          # E11
        env = self._env(request)
        body = await read_body(request, required=True)
        if "translationMap" not in body:
            raise SimError(400, "translationMap is required")
        inst = self.sim.install_with_map(request.path_params["id"], env,
                                         environment_label(request, env),
                                         body["translationMap"])
        # "The body includes the installation UUID" (reference E11): a JSON string or plain
        # text, as the behaviour knob says.
        if self.sim.behaviour.e11_answer == "text":
            return PlainTextResponse(inst.id, status_code=202)
        return json_response(inst.id, 202)


def routes(h: Handlers, profile: WireFormat) -> list[Route]:
    base = "/{env}" + profile.base_path
    package_methods: list[tuple[str, Handler]] = [
        ("GET", h.get_package), ("PATCH", h.patch_package), ("DELETE", h.delete_package)]
    if profile.legacy_endpoints:
        package_methods.append(("PUT", h.put_package))
    out = [
        _route(base + "/packages", [("GET", h.list_packages), ("POST", h.create_package)]),
        _route(base + "/packages/{id}", package_methods),
        _route(base + "/packages/{id}/prepare-installation", [("POST", h.prepare)]),
        _route(base + "/installations", [("GET", h.list_installations)]),
        _route(base + "/installations/{iid}", [("GET", h.get_installation)]),
        _route(base + "/installations/{iid}/install", [("POST", h.install)]),
    ]
    if profile.legacy_endpoints:
        out.append(_route(base + "/packages/{id}/definition", [("GET", h.definition)]))
    if profile.install_with_map:  # E10/E11 exist only in the current docs
        out.append(_route(base + "/packages/{id}/translation-map", [("POST", h.translation_map)]))
        out.append(_route(base + "/packages/{id}/install", [("POST", h.install_with_map)]))
    return out


def _route(path: str, methods: list[tuple[str, Handler]]) -> Route:
    """One route serving several methods; other methods answer 405."""
    table = dict(methods)

    async def endpoint(request: Request) -> Response:
        return await table[request.method](request)

    return Route(path, endpoint, methods=list(table))


def build_app(sim: Simulator, profile: WireFormat,
              injector: FaultInjector | None = None) -> ASGIApp:
    """The ASGI app serving every environment of ``sim`` under ``profile``."""
    injector = injector or FaultInjector()

    async def _sim_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SimError)
        return error_response(exc.status, exc.message, sim.behaviour.error_shape)

    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = error_response(exc.status_code, str(exc.detail), sim.behaviour.error_shape)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    app = Starlette(routes=routes(Handlers(sim, profile, injector), profile),
                    exception_handlers={SimError: _sim_error, HTTPException: _http_error})
    return FaultMiddleware(app, injector, sim.clock)
