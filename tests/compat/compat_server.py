"""An independent fake of the Workfront Environment Promotion API, written from the reference
(../shared/reference/workfront-promotion-api.md) and deliberately unlike our simulator.

It is a bare ASGI callable (no Starlette routing, no shared code with reconciler.simulator
except the uvicorn plumbing that lets a handler drop the TCP connection). It serves ONE
environment at the root of the host (no environment path prefix), and ``Quirks`` switches
between behaviours the reference documents or leaves open (slim list items without status,
soft delete, old-era field names, bare-host installation environments, ...) and outright
misbehaviour (HTML 500s, invalid JSON, redirects, 429 storms, hangs, dropped connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from reconciler.simulator.middleware import ABORT_EXTENSION
from reconciler.simulator.server import app_in_thread

# Source records the fake "sandbox" knows: objCode -> ID -> (name, [(child code, id, name)]).
KNOWN: dict[str, dict[str, tuple[str, list[tuple[str, str, str]]]]] = {
    "TMPL": {
        "aa11aa11aa11aa11aa11aa11aa11aa11": ("Agency Template", [
            ("TTSK", "ab11ab11ab11ab11ab11ab11ab11ab11", "Kickoff"),
            ("TTSK", "ac11ac11ac11ac11ac11ac11ac11ac11", "Wrap-up")]),
        "bb22bb22bb22bb22bb22bb22bb22bb22": ("Campaign Template", [
            ("TTSK", "bc22bc22bc22bc22bc22bc22bc22bc22", "Brief")]),
    },
    "PTLTAB": {"cc33cc33cc33cc33cc33cc33cc33cc33": ("Ops Dashboard", [
        ("PTLSEC", "cd33cd33cd33cd33cd33cd33cd33cd33", "Open Tasks")])},
    "GROUP": {"dd44dd44dd44dd44dd44dd44dd44dd44": ("Default Group", [])},
}
CUSTOMER = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
USER = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0"
OLD_NAMES = {"ASSEMBLING": "EXTRACTING", "DRAFT": "BUILDING", "TESTING": "PREVIEW",
             "ACTIVE": "PUBLIC", "DISABLED": "RETIRED"}
NEW_NAMES = {v: k for k, v in OLD_NAMES.items()}
SETTABLE = {"DRAFT", "TESTING", "ACTIVE", "DISABLED"}


@dataclass
class Quirks:
    legacy: bool = False              # 2023 era: /environment-promotion/v1, PUT, /definition,
    #                                   old status names, displayEntities, blueprintId, ...
    package_name_key: bool = False    # serve `packageName` instead of `name`
    slim_list: bool = True            # list items: the six documented summary fields
    list_status: bool = True          # the reference's editor comment: maybe no status in items
    empty_description: Any = None     # how an empty description is served: None or "null"
    soft_delete: bool = False         # DELETE keeps the package listed with deletedAt
    assembly_gets: int = 2            # GET /packages/{id} calls before assembly ends
    install_gets: int = 1             # GET /installations/{id} calls before an install ends
    bare_host_environment: bool = False
    extras: bool = False              # unknown fields and an unknown status somewhere
    refuse_patch_while_assembling: bool = True
    flatten_descriptions: bool = False  # stored as one line (newlines become spaces)
    wrapper_meta: bool = False        # {"data": ..., "meta": {...}} instead of {"data": ...}
    api_key: str | None = None        # required `apikey` header value
    auth_html: bool = False           # 401 as an HTML page instead of JSON
    failed_takes_no_status: bool = False  # a failed assembly refuses every status change
    faults: dict[str, str] = field(default_factory=dict)   # endpoint kind -> fault
    fault_count: int = 10 ** 9        # how many times each fault fires before behaving


@dataclass
class FakeState:
    host: str = "127.0.0.1"
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    installations: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)
    stopping: bool = False


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{datetime.now(UTC).microsecond // 1000:03d}Z"


class Reply(Exception):
    def __init__(self, status: int, body: Any, content_type: str = "application/json",
                 headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = headers or []


class CompatApp:
    def __init__(self, quirks: Quirks, state: FakeState) -> None:
        self.q = quirks
        self.s = state

    @property
    def base(self) -> str:
        return "/environment-promotion/v1" if self.q.legacy else "/environment-promotion/api/v1"

    # --- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        method, path = scope["method"], scope["path"]
        self.s.requests.append((method, path))
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = parse_qs(scope.get("query_string", b"").decode())
        try:
            status, body, ctype, extra = await self._handle(scope, method, path, headers,
                                                            query, raw)
        except Reply as reply:
            status, body, ctype, extra = reply.status, reply.body, reply.content_type, \
                reply.headers
        if status == -1:  # connection dropped after the commit
            return
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        # Header names in odd cases: HTTP says they are case-insensitive.
        out = [(b"CONTENT-type", ctype.encode()), (b"X-Compat-Fake", b"1")]
        out += [(k.encode(), v.encode()) for k, v in extra]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": data})

    async def _handle(self, scope: dict[str, Any], method: str, path: str,
                      headers: dict[str, str], query: dict[str, list[str]],
                      raw: bytes) -> tuple[int, Any, str, list[tuple[str, str]]]:
        if not path.startswith(self.base + "/"):
            raise Reply(404, {"message": f"No route for {path}"})
        self._check_auth(headers)
        parts = path[len(self.base) + 1:].strip("/").split("/")
        kind, args = self._route(method, parts)
        fault = self.q.faults.get(kind)
        if fault and self.s.fired.get(kind, 0) < self.q.fault_count:
            self.s.fired[kind] = self.s.fired.get(kind, 0) + 1
            early = await self._fault(fault, scope)
            if early is not None:
                return early
        else:
            fault = None
        body = self._json_body(raw)
        handler = getattr(self, f"h_{kind}")
        result = handler(*args, body=body, query=query)
        if fault in ("drop", "garbage_after_commit"):
            if fault == "drop":
                abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
                assert abort is not None
                abort()
                await asyncio.sleep(0)
                return -1, b"", "", []
            return 200, b"<html><body>OK</body></html>", "text/html", []
        status, payload = result[0], result[1]
        if self.q.wrapper_meta and isinstance(payload, dict) and set(payload) == {"data"}:
            payload = {**payload, "meta": {"requestId": str(uuid.uuid4())}}
        ctype = result[2] if len(result) > 2 else "application/json; charset=UTF-8"
        return status, payload, ctype, []

    def _check_auth(self, headers: dict[str, str]) -> None:
        if self.q.api_key is None:
            return
        given = headers.get("apikey") or headers.get("sessionid")
        if given == self.q.api_key:
            return
        # A careless service echoes what it was sent; the client must still not show it.
        if self.q.auth_html:
            raise Reply(401, f"<!DOCTYPE html><html><head><title>401 Unauthorized</title>"
                             f"</head><body><h1>Unauthorized</h1><p>key {given} is not "
                             f"valid</p></body></html>", "text/html")
        raise Reply(401, {"error": {"message": f"Invalid apikey '{given}'",
                                    "code": "UNAUTHORIZED"}})

    def _route(self, method: str, parts: list[str]) -> tuple[str, tuple[str, ...]]:
        match (method, parts):
            case ("GET", ["packages"]):
                return "list", ()
            case ("POST", ["packages"]):
                return "create", ()
            case ("GET", ["packages", pid]):
                return "get", (pid,)
            case ("PATCH", ["packages", pid]):
                return "patch", (pid,)
            case ("DELETE", ["packages", pid]):
                return "delete", (pid,)
            case ("PUT", ["packages", pid]) if self.q.legacy:
                return "put", (pid,)
            case ("GET", ["packages", pid, "definition"]) if self.q.legacy:
                return "definition", (pid,)
            case ("POST", ["packages", pid, "prepare-installation"]):
                return "prepare", (pid,)
            case ("POST", ["packages", pid, "translation-map"]) if not self.q.legacy:
                return "tmap", (pid,)
            case ("POST", ["packages", pid, "install"]) if not self.q.legacy:
                return "install_map", (pid,)
            case ("GET", ["installations"]):
                return "installations", ()
            case ("GET", ["installations", iid]):
                return "installation", (iid,)
            case ("POST", ["installations", iid, "install"]):
                return "install", (iid,)
        raise Reply(404, {"message": "Not Found"})

    async def _fault(self, fault: str, scope: dict[str, Any],
                     ) -> tuple[int, Any, str, list[tuple[str, str]]] | None:
        if fault == "html500":
            return 500, ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title>"
                         "<style>body{color:red}</style></head><body><h1>Oops</h1>"
                         "<p>Something broke at the gateway.</p></body></html>"), \
                "text/html", []
        if fault == "invalid_json":
            return 200, '{"data": {"id": "x", "name": "broken"', "application/json", []
        if fault == "array":
            return 200, [{"unexpected": True}], "application/json", []
        if fault == "empty":
            return 200, b"", "application/json", []
        if fault == "redirect":
            return 301, "", "text/plain", [("Location", "https://login.example.test/sso")]
        if fault == "404":
            return 404, {"message": "Not Found"}, "application/json", []
        if fault == "429":
            when = email.utils.formatdate(usegmt=True)  # HTTP-date form, "now"
            return 429, {"error": "Too Many Requests"}, "application/json", \
                [("RETRY-AFTER", when)]
        if fault == "hang":
            while not self.s.stopping:
                await asyncio.sleep(0.02)
            return 503, b"", "text/plain", []
        return None  # faults that act after the commit ("drop", "garbage_after_commit")

    @staticmethod
    def _json_body(raw: bytes) -> Any:
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise Reply(400, {"error": "body is not JSON"}) from None

    # --- shapes -------------------------------------------------------------------------

    def _status_out(self, status: str) -> str:
        return OLD_NAMES.get(status, status) if self.q.legacy else status

    def _status_in(self, value: Any) -> str:
        text = str(value or "").upper()
        text = NEW_NAMES.get(text, text)
        if text not in SETTABLE:
            raise Reply(400, {"error": f"invalid status {value!r}"})
        return text

    def _text(self, value: str) -> Any:
        if value and self.q.flatten_descriptions:
            value = " ".join(value.split())
        return value if value else self.q.empty_description

    def _full(self, pkg: dict[str, Any], entities: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": pkg["id"], "name": pkg["name"], "description": self._text(pkg["description"]),
            "status": self._status_out(pkg["status"]), "version": pkg["version"],
            "createdAt": pkg["createdAt"], "createdById": USER, "customerId": CUSTOMER,
            "publishedAt": pkg["publishedAt"], "retiredAt": pkg["retiredAt"]}
        if self.q.legacy:
            out.update(installationCounts={}, isPrivate=False)
            if entities:
                out["displayEntities"] = pkg["entities"]
        else:
            out["source"] = pkg["source"]
            if entities:
                out["packageEntities"] = pkg["entities"]
        if self.q.package_name_key:
            out["packageName"] = out.pop("name")
        if self.q.extras:
            out["lockedBy"] = None
            out["x-internal"] = {"shard": 7}
        return out

    def _item(self, pkg: dict[str, Any]) -> dict[str, Any]:
        if not self.q.slim_list or self.q.legacy:
            item = self._full(pkg, entities=False)
        else:
            item = {"id": pkg["id"], "name": pkg["name"],
                    "description": self._text(pkg["description"]),
                    "status": self._status_out(pkg["status"]), "createdAt": pkg["createdAt"],
                    "deletedAt": pkg["deletedAt"]}
            if self.q.package_name_key:
                item["packageName"] = item.pop("name")
        if not self.q.list_status:
            item.pop("status", None)
        return item

    def _installation(self, inst: dict[str, Any]) -> dict[str, Any]:
        env = self.s.host if self.q.bare_host_environment else f"https://{self.s.host}"
        out: dict[str, Any] = {
            "id": inst["id"], "userId": USER, "customerId": CUSTOMER, "status": inst["status"],
            "environment": env, "registeredAt": inst["registeredAt"],
            "updatedAt": inst["updatedAt"], "translationMap": inst["translationMap"]}
        if self.q.legacy:
            out.update(blueprintId=inst["packageId"], blueprintVersion=1)
        else:
            out.update(environmentPromotionPackageId=inst["packageId"],
                       environmentPromotionPackageVersion=1)
        return out

    # --- package endpoints --------------------------------------------------------------

    def _pkg(self, pid: str) -> dict[str, Any]:
        pkg = self.s.packages.get(pid)
        if pkg is None:
            raise Reply(404, {"error": f"package {pid} not found"})
        return pkg

    def _assemble(self, pkg: dict[str, Any], collections: Any) -> None:
        if not isinstance(collections, list) or not collections:
            raise Reply(400, {"error": "objectCollections must be a non-empty array"})
        pkg["collections"] = collections
        pkg["status"] = "ASSEMBLING"
        pkg["entities"] = {}
        pkg["gets_left"] = self.q.assembly_gets

    def _finish_assembly(self, pkg: dict[str, Any]) -> None:
        entities: dict[str, list[dict[str, Any]]] = {}
        failed = False
        for coll in pkg["collections"]:
            code = coll.get("objCode")
            for entity in coll.get("entities") or []:
                known = KNOWN.get(code, {}).get(str(entity.get("ID", "")).lower())
                if known is None:
                    failed = True
                    continue
                name, children = known
                entities.setdefault(code, []).append(
                    {"id": entity["ID"].lower(), "name": name, "description": "null"})
                for child_code, child_id, child_name in children:
                    entities.setdefault(child_code, []).append(
                        {"id": child_id, "name": child_name, "description": None})
        pkg["entities"] = {} if failed else entities
        pkg["status"] = "ASSEMBLING_FAILED" if failed else "DRAFT"

    def h_create(self, *, body: Any, query: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise Reply(400, {"error": "a JSON object is required"})
        name = body.get("name") or body.get("packageName")
        if not isinstance(name, str) or not name.strip():
            raise Reply(400, {"error": "name is required"})
        source = body.get("source")
        if not isinstance(source, str) or not source.startswith(("http://", "https://")):
            raise Reply(400, {"error": "source must be a URL"})
        pkg = {"id": str(uuid.uuid4()), "name": name, "source": source,
               "description": body.get("description") or "", "version": 1,
               "createdAt": _now(), "publishedAt": None, "retiredAt": None,
               "deletedAt": None}
        self._assemble(pkg, body.get("objectCollections"))
        self.s.packages[pkg["id"]] = pkg
        # E1: 200, status ASSEMBLING, no entities yet.
        return 200, {"data": self._full(pkg, entities=False)}

    def h_list(self, *, body: Any, query: Any) -> tuple[int, Any]:
        items = [self._item(p) for p in self.s.packages.values()]
        if self.q.extras:
            items.append({"id": str(uuid.UUID(int=7)), "name": "Somebody Else's Package",
                          "description": "made in the UI", "status": "ARCHIVED",
                          "createdAt": _now(), "deletedAt": None, "flavour": "mystery"})
            items.append({"id": str(uuid.UUID(int=8)), "name": "Never Assembled",
                          "description": None, "status": "UNASSEMBLED",
                          "createdAt": _now(), "deletedAt": None})
        return 200, {"data": items}

    def h_get(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        pkg = self._pkg(pid)
        if pkg["status"] == "ASSEMBLING":
            pkg["gets_left"] -= 1
            if pkg["gets_left"] <= 0:
                self._finish_assembly(pkg)
        return 200, {"data": self._full(pkg)}

    def h_patch(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        pkg = self._pkg(pid)
        if not isinstance(body, dict) or not body:
            raise Reply(400, {"error": "nothing to update"})
        allowed = {"name", "description", "status"}
        if self.q.legacy:
            allowed |= {"source", "version", "metadata", "packageEntities", "objectCollections"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise Reply(400, {"error": f"cannot update {', '.join(unknown)}"})
        if pkg["status"] == "ASSEMBLING" and self.q.refuse_patch_while_assembling:
            raise Reply(409, {"error": "package is being assembled"})
        if "objectCollections" in body:
            if not body.get("source"):
                raise Reply(400, {"error": "source is required with objectCollections"})
            pkg["source"] = body["source"]
            self._assemble(pkg, body["objectCollections"])
        if "name" in body:
            pkg["name"] = str(body["name"])
        if "description" in body:
            pkg["description"] = body["description"] or ""
        if "status" in body:
            if pkg["status"] == "ASSEMBLING_FAILED" and self.q.failed_takes_no_status:
                raise Reply(422, {"error": "a failed package cannot change status"})
            self._set_status(pkg, self._status_in(body["status"]))
        return 200, {"data": self._full(pkg)}

    def _set_status(self, pkg: dict[str, Any], status: str) -> None:
        pkg["status"] = status
        if status == "ACTIVE":
            pkg["publishedAt"] = _now()
        if status == "DISABLED":
            pkg["retiredAt"] = _now()

    def h_put(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        pkg = self._pkg(pid)
        if not isinstance(body, dict):
            raise Reply(400, {"error": "a JSON object is required"})
        missing = [k for k in ("name", "description", "source", "status", "version")
                   if k not in body]
        if missing:
            raise Reply(400, {"error": f"PUT needs every field; missing {', '.join(missing)}"})
        if not isinstance(body["version"], int) or isinstance(body["version"], bool):
            raise Reply(400, {"error": "version must be an integer"})
        pkg["name"], pkg["source"] = body["name"], body["source"]
        pkg["description"] = body.get("description") or ""
        if "objectCollections" in body:
            self._assemble(pkg, body["objectCollections"])
        elif isinstance(body.get("packageEntities"), dict):
            pkg["entities"] = body["packageEntities"]
            self._set_status(pkg, self._status_in(body["status"]))
        else:
            raise Reply(400, {"error": "packageEntities or objectCollections is required"})
        pkg["version"] += 1
        return 200, {"data": self._full(pkg)}

    def h_delete(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any, str]:
        pkg = self._pkg(pid)
        if self.q.soft_delete:
            if pkg["deletedAt"]:
                raise Reply(404, {"error": "already deleted"})
            pkg["deletedAt"] = _now()
        else:
            del self.s.packages[pid]
        return 200, "Deleted", "text/plain"

    def h_definition(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        return 200, {"packageEntities": self._pkg(pid)["entities"]}

    # --- installation endpoints ---------------------------------------------------------

    def _map(self, pkg: dict[str, Any]) -> dict[str, Any]:
        return {code: {e["id"]: {"name": e.get("name"), "action": "CREATE", "isValid": True,
                                 "targetId": ""} for e in records}
                for code, records in pkg["entities"].items()}

    def h_prepare(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        pkg = self._pkg(pid)
        if pkg["status"] not in ("TESTING", "ACTIVE"):
            raise Reply(400, {"error": f"package is {pkg['status']}, not installable"})
        inst = {"id": str(uuid.uuid4()), "packageId": pid, "status": "PREPARING",
                "registeredAt": _now(), "updatedAt": None, "translationMap": self._map(pkg),
                "gets_left": self.q.install_gets}
        self.s.installations[inst["id"]] = inst
        return 200, self._installation(inst)

    def h_install(self, iid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        inst = self.s.installations.get(iid)
        if inst is None or inst["status"] != "PREPARING":
            raise Reply(400, {"error": "no such pre-run"})
        edited = body.get("translationMap") if isinstance(body, dict) else None
        if edited is not None:
            if not self.q.legacy:  # the current E7 takes {}; an edited map goes to E11
                raise Reply(400, {"error": "unexpected translationMap"})
            inst["translationMap"] = edited  # the 2023-era install accepted a map
        inst["status"] = "IN_PROGRESS"  # not a documented value: clients must cope
        return (200 if self.q.legacy else 202), {}

    def h_installations(self, *, body: Any, query: Any) -> tuple[int, Any]:
        pid = (query.get("environmentPromotionPackageId") or [""])[0]
        return 200, [self._installation(i) for i in self.s.installations.values()
                     if i["packageId"] == pid]

    def h_installation(self, iid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        inst = self.s.installations.get(iid)
        if inst is None:
            raise Reply(404, {"error": "not found"})
        if inst["status"] == "IN_PROGRESS":
            inst["gets_left"] -= 1
            if inst["gets_left"] <= 0:
                inst["status"] = "COMPLETED" if self.q.legacy else "INSTALLED"
                inst["updatedAt"] = _now()
                for records in inst["translationMap"].values():
                    for entry in records.values():
                        entry["installationStatus"] = (
                            "REGISTERED" if entry["action"] == "USEEXISTING" else "INSTALLED")
        return 200, self._installation(inst)

    def h_tmap(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any]:
        return 202, self._map(self._pkg(pid))

    def h_install_map(self, pid: str, *, body: Any, query: Any) -> tuple[int, Any, str]:
        pkg = self._pkg(pid)
        if not isinstance(body, dict) or not isinstance(body.get("translationMap"), dict):
            raise Reply(400, {"error": "translationMap is required"})
        inst = {"id": str(uuid.uuid4()), "packageId": pkg["id"], "status": "IN_PROGRESS",
                "registeredAt": _now(), "updatedAt": None,
                "translationMap": body["translationMap"], "gets_left": self.q.install_gets}
        self.s.installations[inst["id"]] = inst
        return 202, inst["id"], "text/plain"   # a bare UUID, not JSON


@dataclass
class CompatHandle:
    port: int
    quirks: Quirks
    state: FakeState

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def serve_compat(quirks: Quirks | None = None) -> Iterator[CompatHandle]:
    """Serve the fake on 127.0.0.1 (a free port) in a thread; stop it on exit."""
    quirks = quirks or Quirks()
    state = FakeState(host="127.0.0.1")
    app = CompatApp(quirks, state)
    try:
        with app_in_thread(app, name="compat-fake", timeout_graceful_shutdown=2) as port:
            state.host = f"127.0.0.1:{port}"
            yield CompatHandle(port, quirks, state)
            state.stopping = True
    finally:
        state.stopping = True
