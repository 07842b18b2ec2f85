"""End to end, over real HTTP on 127.0.0.1: no secret of any auth mode ever shows.

For every auth mode the real CLI runs plan (text, JSON, Markdown, --out) and apply (text and
JSON, --report) at -vv against a served simulator, then again against a server that refuses
the credentials with an answer echoing every header, and (for the token modes) against a
token endpoint that refuses with an answer echoing the client secret. The secrets hold
characters that change when percent- or JSON-encoded, because echoes come back encoded.
The canary must appear in none of stdout, stderr, log records or the files written.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from reconciler import cli
from reconciler.simulator.seed import seed_id
from reconciler.simulator.server import SimulatorHandle

ENVIRONMENTS = ("sandbox", "preview", "production")
MODES = ("apikey", "session", "bearer", "oauth", "refresh")
# Characters that percent-encoding, form-encoding and JSON escaping all change.
AWKWARD = '+/="&? x'


@dataclass
class Echo:
    """A loopback server: a token endpoint at /token and a refusing API everywhere else."""

    token_status: int = 200
    access_token: str = ""
    new_refresh_token: str = ""
    forms: list[dict[str, list[str]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


def _handler(echo: Echo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            """Quiet: the test reads what the CLI prints, not the server."""

        def _answer(self, status: int, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.path != "/token":
                self._refuse()
                return
            form = parse_qs(raw)
            echo.forms.append(form)
            if echo.token_status != 200:
                # Some token endpoints quote the request back: raw (percent-encoded) and parsed.
                self._answer(echo.token_status, {"error": "invalid_client", "raw": raw,
                                                 "form": form})
                return
            payload = {"access_token": echo.access_token, "expires_in": 3600,
                       "token_type": "bearer"}
            if echo.new_refresh_token:
                payload["refresh_token"] = echo.new_refresh_token
            self._answer(200, payload)

        def do_GET(self) -> None:
            self._refuse()

        def _refuse(self) -> None:
            headers = dict(self.headers.items())
            echo.headers.append(headers)
            self._answer(401, {"error": "bad credentials", "received": headers})

    return Handler


@pytest.fixture
def echo() -> Iterator[Echo]:
    state = Echo()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter("%(name)s %(message)s").format(record))


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> Iterator[Records]:
    """Every log record of the run, from our loggers and from httpx/httpcore alike."""
    handler = Records()
    setup = cli._setup_logging

    def setup_and_listen(verbose: int) -> None:
        setup(verbose)  # replaces the "reconciler" handlers, so listen after it
        logging.getLogger("reconciler").addHandler(handler)

    monkeypatch.setattr(cli, "_setup_logging", setup_and_listen)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        logging.getLogger("reconciler").removeHandler(handler)


def _auth(mode: str, token_url: str) -> str:
    return {
        "apikey": "{apikey_env: WFP_T_KEY}",
        "session": "{session_env: WFP_T_KEY}",
        "bearer": "{bearer_env: WFP_T_KEY}",
        "oauth": "{oauth: {client_id_env: WFP_T_CID, client_secret_env: WFP_T_SECRET, "
                 f"token_url: '{token_url}', scope: 'openid'}}}}",
        "refresh": "{refresh: {client_id_env: WFP_T_CID, client_secret_env: WFP_T_SECRET, "
                   f"refresh_token_env: WFP_T_REFRESH, token_url: '{token_url}'}}}}",
    }[mode]


def _write_repo(root: Path, urls: dict[str, str], auth: str) -> Path:
    envs = "\n".join(f"  {name}: {{url: '{urls[name]}', kind: {name}, auth: {auth}}}"
                     for name in ENVIRONMENTS)
    (root / "promotions").mkdir(parents=True, exist_ok=True)
    template = seed_id("sandbox", "TMPL", "New Agency Onboarding")
    (root / "promotions" / "onboarding.yaml").write_text(
        "name: Agency Onboarding\nsource: sandbox\nstatus: TESTING\n"
        f"objectCollections:\n  - objCode: TMPL\n    entities: [{{ID: {template}}}]\n",
        encoding="utf-8")
    config = root / "wfpromote.yaml"
    config.write_text(f"owner: canary-tests\npackages: promotions/\nenvironments:\n{envs}\n"
                      "simulator: {assembly_seconds: 0}\n", encoding="utf-8")
    return config


def _everything_written(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in sorted(root.rglob("*")) if p.is_file())


Runner = Callable[..., tuple[int, str]]


@pytest.fixture
def secrets(canary: str, monkeypatch: pytest.MonkeyPatch, echo: Echo) -> dict[str, str]:
    values = {"WFP_T_KEY": f"{canary}-key{AWKWARD}",
              "WFP_T_SECRET": f"{canary}-secret{AWKWARD}",
              "WFP_T_REFRESH": f"{canary}-refresh{AWKWARD}"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WFP_T_CID", "canary-tests-client")
    echo.access_token = f"{canary}-access{AWKWARD}"
    echo.new_refresh_token = f"{canary}-rotated{AWKWARD}"
    return values


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            records: Records, canary: str) -> Runner:
    monkeypatch.chdir(tmp_path)

    def go(config: Path, *args: str, verbosity: str = "-vv") -> tuple[int, str]:
        code = cli.run([verbosity, "--config", str(config), *args])
        out, err = capsys.readouterr()
        for where, text in (("stdout", out), ("stderr", err),
                            ("log records", "\n".join(records.lines)),
                            ("files", _everything_written(tmp_path))):
            assert canary not in text, f"a secret leaked into {where} of {args}"
        assert "Traceback" not in err
        return code, out + err

    return go


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_in_any_output_of_a_working_run(
        mode: str, sim_server: Callable[..., SimulatorHandle], echo: Echo,
        secrets: dict[str, str], run_cli: Runner, tmp_path: Path) -> None:
    sim = sim_server()
    config = _write_repo(tmp_path / "repo", {n: sim.url(n) for n in ENVIRONMENTS},
                         _auth(mode, echo.url("token")))
    assert run_cli(config, "plan", "--out", "plan.json", "--detailed-exitcode")[0] == 2
    assert run_cli(config, "plan", "--format", "json")[0] == 0
    assert run_cli(config, "plan", "--format", "markdown")[0] == 0
    assert run_cli(config, "apply", "--auto-approve", "--format", "json",
                   "--report", "report.json")[0] == 0
    assert (tmp_path / "report.json").is_file()
    assert run_cli(config, "apply", "plan.json")[0] == 1  # stale now: refused, still no leak
    code, text = run_cli(config, "apply", "--auto-approve", "--report", "again.json")
    assert code == 0 and "No changes" in text
    if mode in ("oauth", "refresh"):  # the secrets really were sent, just never shown
        assert echo.forms and echo.forms[0]["client_secret"] == [secrets["WFP_T_SECRET"]]


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_when_the_service_refuses_and_echoes_the_headers(
        mode: str, echo: Echo, secrets: dict[str, str], run_cli: Runner,
        tmp_path: Path) -> None:
    config = _write_repo(tmp_path / "repo", {n: echo.url(n) for n in ENVIRONMENTS},
                         _auth(mode, echo.url("token")))
    for args in (("plan",), ("plan", "--format", "json"),
                 ("apply", "--auto-approve", "--report", "report.json")):
        code, text = run_cli(config, *args)
        assert code == 1 and "credentials refused" in text and "hint:" in text
    assert echo.headers  # the server did see the credential
    sent = json.dumps(echo.headers)
    assert json.dumps(secrets["WFP_T_KEY"] if mode in ("apikey", "session", "bearer")
                      else echo.access_token)[1:-1] in sent


@pytest.mark.parametrize("mode", ["oauth", "refresh"])
@pytest.mark.parametrize("status", [400, 401])
def test_no_secret_when_the_token_endpoint_refuses_and_echoes_the_form(
        mode: str, status: int, echo: Echo, secrets: dict[str, str], run_cli: Runner,
        tmp_path: Path) -> None:
    echo.token_status = status
    config = _write_repo(tmp_path / "repo", {n: echo.url(n) for n in ENVIRONMENTS},
                         _auth(mode, echo.url("token")))
    for args in (("plan", "--out", "plan.json"), ("apply", "--auto-approve")):
        code, text = run_cli(config, *args)
        assert code == 1 and "token request refused" in text and "$WFP_T_SECRET" in text
    assert not (tmp_path / "plan.json").exists()
    assert echo.forms[0]["client_secret"] == [secrets["WFP_T_SECRET"]]


HEADER_OF = {"apikey": "apikey", "session": "sessionid", "bearer": "authorization",
             "oauth": "authorization", "refresh": "sessionid"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("verbosity", ["-v", "-vv"])
def test_request_trace_shows_every_request_and_no_secret(
        mode: str, verbosity: str, sim_server: Callable[..., SimulatorHandle], echo: Echo,
        secrets: dict[str, str], run_cli: Runner, tmp_path: Path) -> None:
    sim = sim_server()
    config = _write_repo(tmp_path / "repo", {n: sim.url(n) for n in ENVIRONMENTS},
                         _auth(mode, echo.url("token")))
    code, text = run_cli(config, "plan", verbosity=verbosity)
    assert code == 0
    # one line per request: method, path, status, milliseconds, retry number
    assert re.search(r"HTTP GET /sandbox/environment-promotion/api/v1/packages -> 200 in "
                     r"\d+ ms \(retry 0\)", text), text
    if mode in ("oauth", "refresh"):  # the token request is traced too, by its full URL
        assert re.search(rf"HTTP POST {re.escape(echo.url('token'))} -> 200 in \d+ ms", text)
    detailed = "request headers:" in text
    assert detailed is (verbosity == "-vv")
    if detailed:
        header = HEADER_OF[mode]
        assert f'"{header}": "***"' in text.lower()
        assert "response headers:" in text and "response body:" in text
        if mode in ("oauth", "refresh"):
            assert '"access_token": "***"' in text and "client_secret=***" in text
