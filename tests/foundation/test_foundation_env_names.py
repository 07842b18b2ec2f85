"""Values under *_env keys must be variable names; a pasted credential is refused unquoted."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import pytest

from reconciler.cli import run
from reconciler.desired.config import credential_shape

AUTHS = {
    "apikey_env": "{apikey_env: %s}",
    "session_env": "{session_env: %s}",
    "bearer_env": "{bearer_env: %s}",
    "oauth.client_id_env": "{oauth: {client_id_env: %s, client_secret_env: CS, "
                           "token_url: 'https://ims.example/token'}}",
    "oauth.client_secret_env": "{oauth: {client_id_env: CI, client_secret_env: %s, "
                               "token_url: 'https://ims.example/token'}}",
    "refresh.refresh_token_env": "{refresh: {client_id_env: CI, client_secret_env: CS, "
                                 "refresh_token_env: %s, token_url: 'https://x.example/t'}}",
}
CREDENTIALS = {
    "hex32": lambda: secrets.token_hex(16),
    "uuid": lambda: str(uuid.uuid4()),
    "jwt": lambda: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ" + secrets.token_hex(8) + "In0.sig"
                   + secrets.token_hex(6),
    "random": lambda: "k" + secrets.token_hex(14) + "Zq",
    "bad-name": lambda: "9" + secrets.token_hex(5) + "-name",
}


def test_credential_shapes() -> None:
    for name in ("WF_SANDBOX_KEY", "WORKFRONT_PRODUCTION_API_KEY_2024", "CLIENT_ID", "_X"):
        assert credential_shape(name) is None
    assert "32 hexadecimal" in (credential_shape("DEADBEEF" * 4) or "")
    assert "UUID" in (credential_shape(str(uuid.uuid4())) or "")
    assert "JSON Web Token" in (credential_shape(CREDENTIALS["jwt"]()) or "")
    assert "random" in (credential_shape(CREDENTIALS["random"]()) or "")


@pytest.mark.parametrize("where", sorted(AUTHS))
@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
def test_a_credential_under_an_env_key_is_refused_without_echo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        where: str, kind: str) -> None:
    value = CREDENTIALS[kind]()
    (tmp_path / "wfpromote.yaml").write_text(
        "owner: acme\npackages: packages/\nenvironments:\n"
        "  production:\n    url: https://acme.my.workfront.com\n    kind: production\n"
        f"    auth: {AUTHS[where] % repr(value)}\n")
    (tmp_path / "packages").mkdir()
    monkeypatch.chdir(tmp_path)
    key = where.rsplit(".", 1)[-1]
    for args in (["validate"], ["validate", "--format", "json"], ["plan", "-vv"],
                 ["apply", "--auto-approve", "-vv"]):
        assert run(args) == 1, args
        out, err = capsys.readouterr()
        assert value not in out + err, (args, "the value was echoed")
        assert f"'{key}'" in out + err
        assert "wfpromote.yaml:7" in out + err or '"line": 7' in out
        expected = "must name an environment variable" if kind == "bad-name" else \
            "looks like"
        assert expected in out + err
        assert "Traceback" not in err
