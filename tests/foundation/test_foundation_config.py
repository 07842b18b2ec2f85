"""wfpromote.yaml: missing, unknown profile, secrets, URLs, auth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CONFIG, GOOD, Repo, assert_one_error

from reconciler.desired.config import load_config
from reconciler.errors import ConfigError


def test_missing_config_hints_at_config_option(repo: Repo) -> None:
    (repo.root / "wfpromote.yaml").unlink()
    out = repo.validate()
    assert_one_error(out, "no wfpromote.yaml", "--config")


def test_missing_config_file_given_by_option(repo: Repo) -> None:
    assert_one_error(repo.cli("--config", "nope.yaml", "validate"), "nope.yaml", "not found")


def test_load_config_fills_root_and_path(repo: Repo) -> None:
    config = load_config(str(repo.root / "wfpromote.yaml"))
    assert Path(config.root) == repo.root.resolve()
    assert config.path.endswith("wfpromote.yaml")
    assert config.environments["production"].kind == "production"
    assert config.environments["sandbox"].is_simulator


def test_load_config_none_means_current_directory(repo: Repo) -> None:
    assert load_config(None).owner == "acme-workfront"


def test_missing_config_raises_config_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(None)
    assert "--config" in (info.value.hint or "")


def test_unknown_profile_names_the_allowed_ones(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("api: current", "api: v3"))
    assert_one_error(repo.validate(), "wfpromote.yaml:1:6", "unknown API profile 'v3'",
                     "current, 2023")


def test_profile_2023_unquoted_is_accepted(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("api: current", "api: 2023"))
    assert load_config(None).api == "2023"


@pytest.mark.parametrize("key", ["apikey", "api_key", "sessionID", "bearer", "token",
                                 "client_secret", "password"])
def test_secret_in_config_is_refused_and_never_printed(repo: Repo, canary: str,
                                                       key: str) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace(
        "production: {url: simulator, kind: production}",
        "production:\n    url: https://acme.my.workfront.com\n    kind: production\n"
        f"    auth: {{{key}: {canary}}}"))
    out = repo.validate()
    assert_one_error(out, "wfpromote.yaml:10:12", f"key '{key}'", "_env")
    assert canary not in out.text
    json_out = repo.validate("--format", "json")
    assert json_out.code == 1 and canary not in json_out.text


def test_secret_written_where_a_variable_name_belongs(repo: Repo, canary: str) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace(
        "production: {url: simulator, kind: production}",
        "production: {url: 'https://acme.my.workfront.com', kind: production, "
        f"auth: {{apikey_env: '{canary}-x'}}}}"))
    out = repo.validate()
    assert_one_error(out, "wfpromote.yaml:7:", "must name an environment variable")
    assert canary not in out.text


@pytest.mark.parametrize("url", ["http://acme.my.workfront.com", "ftp://x.example",
                                 "acme.my.workfront.com", "http://10.0.0.5:8765/sandbox"])
def test_plain_http_to_another_host_is_refused(repo: Repo, url: str) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("preview: {url: simulator",
                                                f"preview: {{url: '{url}'"))
    assert_one_error(repo.validate(), "wfpromote.yaml:6:", "url of environment 'preview'")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/preview", "http://localhost:8765/x",
                                 "http://[::1]:8765/preview"])
def test_loopback_http_needs_no_auth(repo: Repo, url: str) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("preview: {url: simulator",
                                                f"preview: {{url: '{url}'"))
    repo.package("a.yaml", GOOD)
    assert repo.validate().code == 0


def test_remote_environment_needs_auth(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace(
        "production: {url: simulator", "production: {url: 'https://acme.my.workfront.com'"))
    assert_one_error(repo.validate(), "wfpromote.yaml:7:", "has no auth", "apikey_env")


def test_auth_takes_exactly_one_mode(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace(
        "production: {url: simulator, kind: production}",
        "production: {url: 'https://acme.my.workfront.com', kind: production, "
        "auth: {apikey_env: A, bearer_env: B}}"))
    assert_one_error(repo.validate(), "wfpromote.yaml:7:", "'auth' has 2 key(s)")


def test_all_auth_modes_load(repo: Repo) -> None:
    modes = ["{apikey_env: K}", "{session_env: S}", "{bearer_env: T}",
             "{oauth: {client_id_env: I, client_secret_env: S, "
             "token_url: 'https://ims.example/token'}}",
             "{refresh: {client_id_env: I, client_secret_env: S, refresh_token_env: R, "
             "token_url: 'https://acme.my.workfront.com/integrations/oauth2/api/v1/token'}}"]
    envs = "".join(f"  e{i}: {{url: 'https://e{i}.example', kind: sandbox, auth: {m}}}\n"
                   for i, m in enumerate(modes))
    repo.write("wfpromote.yaml", "owner: acme\nenvironments:\n" + envs)
    config = load_config(None)
    assert [e.auth.mode() for e in config.environments.values() if e.auth] == [
        "apikey_env", "session_env", "bearer_env", "oauth", "refresh"]


def test_bad_environment_name_and_owner(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("owner: acme-workfront", "owner: '-bad owner'")
               .replace("  preview:", "  Preview:"))
    out = repo.validate()
    assert_one_error(out, "wfpromote.yaml:2:8", "owner marker")
    assert "wfpromote.yaml:6:3: a key is not an environment name" in out.err


def test_unknown_config_key_suggests(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("packages:", "pakages:"))
    assert_one_error(repo.validate(), "wfpromote.yaml:3:1", "unknown key 'pakages'",
                     "did you mean 'packages'?")


def test_config_errors_in_json_format(repo: Repo) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("api: current", "api: v3"))
    out = repo.validate("--format", "json")
    assert out.code == 1
    document = json.loads(out.out)
    assert document["valid"] is False
    assert document["problems"][0]["line"] == 1
