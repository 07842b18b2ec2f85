"""Fake GitHub and GitLab REST APIs on 127.0.0.1 (http.server in a thread).

Just what ``wfpromote comment`` uses: PR/MR comments (list with Link pagination, create,
update, delete) and issues (list by label, create, update, close), plus knobs for the cases
under test: a read-only token, rate-limit answers, a racing run's comment, and a log of every
request so tests can check the token went only into the auth header.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Forge:
    """The state of one fake: comments per request number, issues, knobs."""

    kind: str                                   # "github" | "gitlab"
    token: str
    port: int = 0
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1000
    read_only: bool = False
    # Answers to send before the real one: (status, headers) each, consumed in order.
    rate_limits: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    # Called after each comment listing with (forge, number): a racing run's moves.
    after_list: Callable[[Forge, int], None] | None = None
    log: list[tuple[str, str, dict[str, str], str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    bot: str = "github-actions[bot]"

    @property
    def api_url(self) -> str:
        suffix = "/api/v4" if self.kind == "gitlab" else ""
        return f"http://127.0.0.1:{self.port}{suffix}"

    def add_comment(self, number: int, body: str, author: str | None = None) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            item = {"id": self.next_id, "body": body}
            if self.kind == "github":
                item["user"] = {"login": author or self.bot}
                item["html_url"] = f"https://github.test/pr/{number}#c{self.next_id}"
            else:
                item["author"] = {"username": author or self.bot}
                item["system"] = False
            self.comments.setdefault(number, []).append(item)
            return item

    def bodies(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.get(number, [])]

    def open_issues(self) -> list[dict[str, Any]]:
        state = "open" if self.kind == "github" else "opened"
        return [i for i in self.issues if i["state"] == state]

    def issue_body(self, issue: dict[str, Any]) -> str:
        return str(issue["body"] if self.kind == "github" else issue["description"])


class _Handler(BaseHTTPRequestHandler):
    forge: Forge

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        forge = self.forge
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        forge.log.append((method, self.path, dict(self.headers), raw))
        auth = (self.headers.get("authorization") == f"Bearer {forge.token}"
                if forge.kind == "github" else self.headers.get("private-token") == forge.token)
        if not auth:
            return self._send(401, {"message": "Bad credentials"})
        with forge.lock:
            limited = forge.rate_limits.pop(0) if forge.rate_limits else None
        if limited is not None:
            status, headers = limited
            return self._send(status, {"message": "API rate limit exceeded"}, headers)
        if method != "GET" and forge.read_only:
            return self._send(403, {"message": "Resource not accessible by integration"})
        body = json.loads(raw) if raw else {}
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        route = _github if forge.kind == "github" else _gitlab
        result = route(forge, method, url.path, query, body)
        if result is None:
            return self._send(404, {"message": "Not Found"})
        status, payload, headers = result
        self._send(status, payload, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


Result = tuple[int, Any, dict[str, str]] | None


def _page(forge: Forge, path: str, items: list[Any], query: dict[str, str]) -> Result:
    per_page = min(int(query.get("per_page", 30)), 100)
    page = int(query.get("page", 1))
    chunk = items[(page - 1) * per_page: page * per_page]
    headers = {}
    if page * per_page < len(items):
        rest = {**query, "page": str(page + 1), "per_page": str(per_page)}
        link = "&".join(f"{k}={v}" for k, v in rest.items())
        headers["link"] = f'<http://127.0.0.1:{forge.port}{path}?{link}>; rel="next"'
        if forge.kind == "gitlab":
            headers["x-next-page"] = str(page + 1)
    return 200, chunk, headers


def _github(forge: Forge, method: str, path: str, query: dict[str, str],
            body: dict[str, Any]) -> Result:
    if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/(\d+)/comments", path):
        number = int(m.group(1))
        if method == "GET":
            items = list(forge.comments.get(number, []))
            result = _page(forge, path, items, query)
            if forge.after_list is not None:
                forge.after_list(forge, number)
            return result
        if method == "POST":
            issue = next((i for i in forge.issues if i["number"] == number), None)
            if issue is not None:
                issue.setdefault("notes", []).append(body["body"])
                return 201, {"id": 1}, {}
            return 201, forge.add_comment(number, body["body"]), {}
    if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path):
        cid = int(m.group(1))
        for items in forge.comments.values():
            for item in items:
                if item["id"] == cid:
                    if method == "PATCH":
                        item["body"] = body["body"]
                        return 200, item, {}
                    if method == "DELETE":
                        items.remove(item)
                        return 204, None, {}
        return None
    if re.fullmatch(r"/repos/[^/]+/[^/]+/issues", path):
        if method == "GET":
            label = query.get("labels")
            items = [i for i in forge.issues if i["state"] == query.get("state", "open")
                     and label in i["labels"]]
            # The issues listing also returns pull requests: one sits in the way here.
            items.append({"number": 999, "title": "a PR", "body": "", "labels": [label],
                          "pull_request": {}, "state": "open"})
            return _page(forge, path, items, query)
        if method == "POST":
            number = len(forge.issues) + 1
            issue = {"number": number, "title": body["title"], "body": body["body"],
                     "labels": list(body["labels"]), "state": "open",
                     "html_url": f"https://github.test/issues/{number}"}
            forge.issues.append(issue)
            return 201, issue, {}
    if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/(\d+)", path):
        issue = next((i for i in forge.issues if i["number"] == int(m.group(1))), None)
        if issue is not None and method == "PATCH":
            issue.update({k: v for k, v in body.items() if k in ("body", "state")})
            return 200, issue, {}
    return None


def _gitlab(forge: Forge, method: str, path: str, query: dict[str, str],
            body: dict[str, Any]) -> Result:
    if m := re.fullmatch(r"/api/v4/projects/[^/]+/merge_requests/(\d+)/notes", path):
        number = int(m.group(1))
        if method == "GET":
            items = list(forge.comments.get(number, []))
            items.insert(0, {"id": 1, "body": "merged", "system": True,
                             "author": {"username": "gitlab"}})
            result = _page(forge, path, items, query)
            if forge.after_list is not None:
                forge.after_list(forge, number)
            return result
        if method == "POST":
            return 201, forge.add_comment(number, body["body"]), {}
    if m := re.fullmatch(r"/api/v4/projects/[^/]+/merge_requests/(\d+)/notes/(\d+)", path):
        items = forge.comments.get(int(m.group(1)), [])
        item = next((i for i in items if i["id"] == int(m.group(2))), None)
        if item is None:
            return None
        if method == "PUT":
            item["body"] = body["body"]
            return 200, item, {}
        if method == "DELETE":
            items.remove(item)
            return 204, None, {}
    if re.fullmatch(r"/api/v4/projects/[^/]+/issues", path):
        if method == "GET":
            items = [i for i in forge.issues if i["state"] == query.get("state")
                     and query.get("labels") in i["labels"]]
            return _page(forge, path, items, query)
        if method == "POST":
            iid = len(forge.issues) + 1
            issue = {"iid": iid, "title": body["title"], "description": body["description"],
                     "labels": body["labels"].split(","), "state": "opened",
                     "web_url": f"https://gitlab.test/issues/{iid}"}
            forge.issues.append(issue)
            return 201, issue, {}
    if m := re.fullmatch(r"/api/v4/projects/[^/]+/issues/(\d+)(/notes)?", path):
        issue = next((i for i in forge.issues if i["iid"] == int(m.group(1))), None)
        if issue is None:
            return None
        if m.group(2) and method == "POST":
            issue.setdefault("notes", []).append(body["body"])
            return 201, {"id": 1}, {}
        if method == "PUT":
            if body.get("state_event") == "close":
                issue["state"] = "closed"
            if "description" in body:
                issue["description"] = body["description"]
            return 200, issue, {}
    return None


@contextlib.contextmanager
def serve(kind: str, token: str) -> Iterator[Forge]:
    forge = Forge(kind, token)
    handler = type("Handler", (_Handler,), {"forge": forge})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    forge.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()


def github_env(forge: Forge, tmp_path: Path, *, number: int | None = 7, fork: bool = False,
               token: str | None = None) -> dict[str, str]:
    event: dict[str, Any] = {}
    if number is not None:
        head = "someone/fork" if fork else "acme/promotions"
        event = {"number": number, "pull_request": {
            "number": number, "head": {"sha": "a" * 40, "repo": {"full_name": head}},
            "base": {"repo": {"full_name": "acme/promotions"}}}}
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    env = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_REPOSITORY": "acme/promotions",
           "GITHUB_EVENT_PATH": str(event_path), "GITHUB_API_URL": forge.api_url,
           "GITHUB_SERVER_URL": "https://github.test", "GITHUB_RUN_ID": "4242",
           "GITHUB_SHA": "b" * 40, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    env["GITHUB_TOKEN"] = forge.token if token is None else token
    return env


def gitlab_env(forge: Forge, *, iid: int | None = 5, token_env: str = "GITLAB_TOKEN"
               ) -> dict[str, str]:
    env = {"GITLAB_CI": "true", "CI": "true", "CI_PROJECT_ID": "42",
           "CI_API_V4_URL": forge.api_url, "CI_COMMIT_SHA": "c" * 40,
           "CI_PIPELINE_URL": "https://gitlab.test/acme/promotions/-/pipelines/9",
           token_env: forge.token}
    if iid is not None:
        env["CI_MERGE_REQUEST_IID"] = str(iid)
    return env


def assert_token_only_in_auth(forge: Forge) -> None:
    """The token went out in the auth header and nowhere else (path, query, body)."""
    assert forge.log, "no request reached the fake"
    for method, path, headers, body in forge.log:
        assert forge.token not in path, (method, path)
        assert forge.token not in body, (method, path)
        others = {k: v for k, v in headers.items()
                  if k.lower() not in ("authorization", "private-token")}
        assert forge.token not in json.dumps(others)
