"""A corpus of bad input, each run through validate, plan --out and apply --auto-approve.

Every case must end with exit code 1, no traceback, a message that names where the problem is
(file:line, a key path or the option) with a hint, and nothing written: no plan file, no
report, no simulator state.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CONFIG, GOOD, Repo

from reconciler.desired.sources import MAX_BYTES

BAD = "packages/zz-bad.yaml"
BAD_JSON = "packages/zz-bad.json"
CANARY = "sk-live-CANARY0123456789"
ID = "ffa0f8d27e87c5ba0010aeee529de4a4"
PKG = f"""\
name: Corpus Package
source: sandbox
status: TESTING
objectCollections:
  - objCode: TMPL
    entities:
      - {{ID: {ID}, name: New Agency Onboarding}}
"""
BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{p}' if p else 'x'] * 10)}]\n"
               for p, a in zip(["", *"abcdefgh"], "abcdefghi", strict=True))


def pkg(old: str, new: str) -> str:
    assert old in PKG
    return PKG.replace(old, new)


def cfg(old: str, new: str) -> str:
    assert old in CONFIG
    return CONFIG.replace(old, new)


SANDBOX = "sandbox: {url: simulator, kind: sandbox}"


def remote(auth: str, url: str = "https://x.example.com") -> str:
    return cfg(SANDBOX, f"sandbox: {{url: '{url}', kind: sandbox, auth: {auth}}}")


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes]
    where: str  # must appear in the message: file:line, a key path or an option
    args: tuple[str, ...] = ()
    before: tuple[str, ...] = ()  # global options
    commands: tuple[str, ...] = ("validate", "plan", "apply")
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)


def bad(id: str, text: str | bytes, where: str, name: str = BAD) -> Case:
    return Case(id, {name: text}, where)


def conf(id: str, text: str | bytes, where: str) -> Case:
    return Case(id, {"wfpromote.yaml": text}, where)


CASES = [
    # YAML syntax
    bad("yaml-indent", "name: Corpus Package\n  source: sandbox\n", f"{BAD}:2:"),
    bad("yaml-unclosed-dquote", 'name: "Corpus Package\nsource: sandbox\n', f"{BAD}:3:"),
    bad("yaml-unclosed-squote", "name: 'Corpus Package\nsource: sandbox\n", f"{BAD}:3:"),
    bad("yaml-unclosed-bracket", "name: x\nsource: [sandbox\nstatus: TESTING\n", f"{BAD}:3:"),
    bad("yaml-unclosed-brace", "name: x\nx: {a: 1\n", f"{BAD}:3:"),
    bad("yaml-tab", "name: x\nobjectCollections:\n\t- objCode: TMPL\n", f"{BAD}:3:"),
    bad("yaml-stray-colon", "name: Corpus: Package\n", f"{BAD}:1:13"),
    bad("yaml-undefined-alias", "name: *nope\n", f"{BAD}:1:7"),
    bad("yaml-duplicate-key", PKG + "name: Other Name\n", f"{BAD}:8:"),
    bad("yaml-duplicate-nested-key", pkg("    entities:", "    objCode: TMPL\n    entities:"),
        f"{BAD}:6:"),
    bad("yaml-multi-doc-one-bad", PKG + "---\nname: [\n", f"{BAD}:10:"),
    bad("yaml-multi-doc-null", PKG + "---\nnull\n", f"{BAD}:9:"),
    # JSON syntax
    bad("json-trailing-comma", '{"name": "Corpus Package",}', f"{BAD_JSON}:1:", BAD_JSON),
    bad("json-single-quotes", "{'name': 'Corpus Package'}", f"{BAD_JSON}:1:2", BAD_JSON),
    bad("json-nan", '{"name": "Corpus Package", "status": NaN}', f"{BAD_JSON}:1:", BAD_JSON),
    bad("json-comment", '{\n// note\n"name": "x"}', f"{BAD_JSON}:2:1", BAD_JSON),
    bad("json-duplicate-key", '{"name": "Corpus Package", "name": "Other"}', f"{BAD_JSON}:1:",
        BAD_JSON),
    bad("json-two-documents", '{"name": "x"}\n{"name": "y"}', f"{BAD_JSON}:2:1", BAD_JSON),
    bad("json-top-list", "[1, 2]", f"{BAD_JSON}:1:1", BAD_JSON),
    bad("json-lone-surrogate", f'{{"name": "\\ud800 Package", "source": "sandbox", '
        f'"objectCollections": [{{"objCode": "TMPL", "entities": [{{"ID": "{ID}"}}]}}]}}',
        f"{BAD_JSON}:1:", BAD_JSON),
    bad("json-long-key", '{"' + "k" * 2000 + '": 1}', BAD_JSON, BAD_JSON),
    bad("json-deep", '{"a":' * 3000 + "1" + "}" * 3000, BAD_JSON, BAD_JSON),
    bad("json-huge-integer", '{"name": "Corpus Package",\n "revision": ' + "9" * 5000 + "}",
        f"{BAD_JSON}:2:14", BAD_JSON),
    # tags, anchors, bombs, nesting, size
    bad("tag-python", "name: !!python/object/apply:os.system ['true']\n", f"{BAD}:1:7"),
    bad("tag-binary", "name: !!binary aGVsbG8=\n", f"{BAD}:1:7"),
    bad("tag-custom", "name: !custom x\n", f"{BAD}:1:7"),
    bad("tag-set", "name: Corpus Package\nsource: !!set {a, b}\n", f"{BAD}:2:9"),
    bad("tag-on-key", "!!python/name:os.system : x\n", f"{BAD}:1:1"),
    bad("billion-laughs", BOMB, f"{BAD}:"),
    bad("recursive-alias", "a: &a [*a]\n", f"{BAD}:1:"),
    bad("merge-scalar", "<<: 5\nname: Corpus Package\n", f"{BAD}:1:"),
    bad("complex-key", "? [a, b]\n: 1\n", f"{BAD}:1:"),
    bad("deep-flow", "name: " + "[" * 5000 + "]" * 5000 + "\n", BAD),
    bad("deep-block", "".join("  " * i + "k:\n" for i in range(100)) + "  " * 100 + "k: v\n",
        f"{BAD}:"),
    bad("huge-line", "name: " + "x" * 1_000_000 + "\nsource: sandbox\n", f"{BAD}:1:"),
    # encodings and empty documents
    bad("latin-1", "name: Caf\xe9 Package\n".encode("latin-1"), f"{BAD}:1:10"),
    bad("utf-16-bom", "name: Corpus Package\n".encode("utf-16"), f"{BAD}:1:1"),
    bad("nul-byte", b"name: Corpus\x00 Package\n", f"{BAD}:1:13"),
    bad("control-character", "name: Corpus \x07Package\n", f"{BAD}:1:14"),
    bad("yaml-lone-surrogate", pkg("name: Corpus Package", 'name: "Corpus \\udc00 Package"'),
        f"{BAD}:1:7"),
    bad("empty", "", BAD),
    bad("only-comments", "# nothing\n# here\n", BAD),
    bad("only-document-marker", "---\n", f"{BAD}:"),
    bad("top-list", "- a\n- b\n", f"{BAD}:1:1"),
    bad("top-scalar", "hello\n", f"{BAD}:1:1"),
    bad("top-null", "~\n", f"{BAD}:1:1"),
    # wrong types and values
    bad("name-int", pkg("name: Corpus Package", "name: 12345"), "$.name"),
    bad("name-list", pkg("name: Corpus Package", "name: [a]"), "$.name"),
    bad("name-short", pkg("name: Corpus Package", "name: abc"), "$.name"),
    bad("name-blank", pkg("name: Corpus Package", "name: '      '"), "$.name"),
    bad("name-newline", pkg("name: Corpus Package", 'name: "Corpus\\nPackage"'), "$.name"),
    bad("status-lowercase", pkg("status: TESTING", "status: testing"), "$.status"),
    bad("status-unknown", pkg("status: TESTING", "status: LIVE"), "$.status"),
    bad("entities-mapping", pkg(f"\n      - {{ID: {ID}, name: New Agency Onboarding}}",
                                " {}"), "$.objectCollections[0].entities"),
    bad("id-int", pkg(f"ID: {ID}", "ID: 123"), ".entities[0].ID"),
    bad("id-31", pkg(f"ID: {ID}", f"ID: {ID[:31]}"), ".entities[0].ID"),
    bad("id-33", pkg(f"ID: {ID}", f"ID: {ID}a"), ".entities[0].ID"),
    bad("id-not-hex", pkg(f"ID: {ID}", f"ID: zz{ID[2:]}"), ".entities[0].ID"),
    bad("id-trailing-newline", pkg(f"ID: {ID}", f'ID: "{ID}\\n"'), ".entities[0].ID"),
    bad("package-id-not-uuid", PKG + "id: not-a-uuid\n", "$.id"),
    bad("unknown-key", PKG + "staus: ACTIVE\n", "$.staus"),
    bad("unknown-nested-key", pkg("  - objCode: TMPL", "  - objCode: TMPL\n    objcode: X"),
        "$.objectCollections[0].objcode"),
    bad("objcode-lowercase", pkg("objCode: TMPL", "objCode: tmpl"), ".objCode"),
    bad("objcode-not-promotable", pkg("objCode: TMPL", "objCode: TASK"), ".objCode"),
    bad("both-collections-and-definition", PKG + "definition: x.definition.json\n",
        f"{BAD}:8:"),
    bad("neither-collections-nor-definition", "name: Corpus Package\nsource: sandbox\n",
        f"{BAD}:1:"),
    # definitions
    bad("definition-outside", "name: Corpus Package\nsource: sandbox\n"
        "definition: ../../../etc/passwd\n", "$.definition"),
    bad("definition-absolute", "name: Corpus Package\nsource: sandbox\ndefinition: /etc/passwd\n",
        "$.definition"),
    bad("definition-missing", "name: Corpus Package\nsource: sandbox\n"
        "definition: nope.definition.json\n", "$.definition"),
    bad("definition-nul", 'name: Corpus Package\nsource: sandbox\ndefinition: "a\\0b.json"\n',
        "$.definition"),
    bad("definition-itself", "name: Corpus Package\nsource: sandbox\ndefinition: zz-bad.yaml\n",
        "$.definition"),
    Case("definition-directory", {BAD: "name: Corpus Package\nsource: sandbox\ndefinition: sub\n",
                                  "packages/sub/keep.txt": "x"}, "$.definition"),
    Case("definition-invalid-json", {
        BAD: "name: Corpus Package\nsource: sandbox\ndefinition: bad.definition.json\n",
        "packages/bad.definition.json": '{"TMPL": [}'}, "packages/bad.definition.json:1:"),
    Case("definition-two-documents", {
        BAD: "name: Corpus Package\nsource: sandbox\ndefinition: bad.yml\n",
        "packages/bad.yml": f"TMPL: [{{id: {ID}}}]\n---\nTMPL: 5\n"}, "packages/bad.yml:3:"),
    Case("definition-record-without-id", {
        BAD: "name: Corpus Package\nsource: sandbox\ndefinition: bad.definition.json\n",
        "packages/bad.definition.json": '{"TMPL": [{"name": "x"}]}'},
        "packages/bad.definition.json:1:"),
    # cross-file checks
    bad("install-unknown-environment", PKG + "install:\n  - environment: previw\n",
        "$.install[0].environment"),
    bad("install-after-out-of-order", pkg("TESTING", "ACTIVE") + "install:\n"
        "  - environment: production\n    after: [preview]\n  - environment: preview\n",
        "$.install[0].after[0]"),
    bad("install-after-itself", PKG + "install:\n  - environment: preview\n    after: [preview]\n",
        "$.install[0].after[0]"),
    # (a TESTING package installed into production is valid: the plan shows it blocked)
    bad("install-existing-unknown",
        PKG + "install:\n  - environment: preview\n    existing: overwite\n",
        "$.install[0].existing"),
    bad("duplicate-name-across-files", pkg("Corpus Package", "Agency Onboarding"),
        "declared twice"),
    bad("source-unknown", pkg("source: sandbox", "source: sandbx"), "$.source"),
    # the configuration
    Case("config-missing", {"wfpromote.yaml": ""}, "wfpromote.yaml"),  # removed below
    Case("config-directory", {"cfgdir/x": "x"}, "--config", before=("--config", "cfgdir")),
    Case("config-nonexistent", {}, "--config", before=("--config", "nope/wfpromote.yaml")),
    conf("config-empty", "", "wfpromote.yaml"),
    conf("config-list", "- a\n", "wfpromote.yaml:1:1"),
    conf("config-yaml-error", CONFIG + "owner: [\n", "wfpromote.yaml:"),
    conf("config-duplicate-key", CONFIG + "owner: other\n", "wfpromote.yaml:8:"),
    conf("config-two-documents", CONFIG + "---\n" + CONFIG, "wfpromote.yaml:9:"),
    conf("config-tag", CONFIG + "x: !!python/object/apply:os.system ['true']\n",
         "wfpromote.yaml:8:"),
    conf("config-bomb", CONFIG + BOMB, "wfpromote.yaml:"),
    conf("config-latin-1", (CONFIG + "# caf\xe9\n").encode("latin-1"), "wfpromote.yaml:8:"),
    conf("unknown-profile", cfg("api: current", "api: 2024"), "$.api"),
    conf("missing-owner", cfg("owner: acme-workfront\n", ""), "wfpromote.yaml:1:"),
    conf("bad-owner", cfg("owner: acme-workfront", "owner: 'acme workfront!'"), "$.owner"),
    conf("environments-empty", CONFIG.split("environments:")[0] + "environments: {}\n",
         "$.environments"),
    conf("environments-missing", CONFIG.split("environments:")[0], "wfpromote.yaml:1:"),
    conf("environment-name", CONFIG + "  Bad Env: {url: simulator, kind: sandbox}\n",
         "$.environments['Bad Env']"),
    conf("url-ftp", cfg(SANDBOX, "sandbox: {url: 'ftp://x.example.com', kind: sandbox}"),
         "$.environments.sandbox.url"),
    conf("url-http-remote", remote("{apikey_env: K}", "http://example.com"),
         "$.environments.sandbox.url"),
    conf("url-credentials", remote("{apikey_env: K}", "https://user:hunter2@example.com"),
         "$.environments.sandbox.url"),
    conf("url-bad-port", remote("{apikey_env: K}", "https://x.example.com:99999"),
         "$.environments.sandbox.url"),
    conf("url-bad-ipv6", remote("{apikey_env: K}", "https://[::1"),
         "$.environments.sandbox.url"),
    conf("url-space", remote("{apikey_env: K}", "https://exa mple.com"),
         "$.environments.sandbox.url"),
    conf("secret-apikey", remote(f"{{apikey: {CANARY}}}"), "$.environments.sandbox.auth.apikey"),
    conf("secret-in-env-key", remote(f"{{apikey_env: '{CANARY}!'}}"),
         "$.environments.sandbox.auth.apikey_env"),
    conf("auth-unknown-key", remote("{apikey_envv: K}"), "$.environments.sandbox.auth"),
    conf("auth-two-modes", remote("{apikey_env: K, bearer_env: T}"),
         "$.environments.sandbox.auth"),
    conf("auth-variable-name", remote("{apikey_env: 1BAD}"),
         "$.environments.sandbox.auth.apikey_env"),
    conf("concurrency-0", CONFIG + "concurrency: 0\n", "$.concurrency"),
    conf("concurrency-word", CONFIG + "concurrency: eight\n", "$.concurrency"),
    conf("concurrency-1000", CONFIG + "concurrency: 1000\n", "$.concurrency"),
    conf("timeout-infinite", CONFIG + "timeouts: {request: .inf}\n", "$.timeouts.request"),
    conf("timeout-nan", CONFIG + "timeouts: {install: .nan}\n", "$.timeouts.install"),
    conf("prune-maybe", CONFIG + "prune: maybe\n", "$.prune"),
    conf("packages-missing", cfg("packages: packages/", "packages: nowhere/"), "$.packages"),
    conf("packages-outside", cfg("packages: packages/", "packages: ../../etc"), "$.packages"),
    conf("packages-absolute", cfg("packages: packages/", "packages: /etc"), "$.packages"),
    conf("simulator-state-outside", CONFIG + "simulator: {state: ../../evil.json}\n",
         "$.simulator.state"),
    conf("simulator-state-folder", CONFIG + "simulator: {state: packages}\n",
         "$.simulator.state"),
    conf("oauth-token-url-http", remote("{oauth: {client_id_env: A, client_secret_env: B, "
                                        "token_url: 'http://evil.example.com'}}"),
         "$.environments.sandbox.auth.oauth.token_url"),
    # the command line
    Case("path-nonexistent", {}, "packages/nope.yaml", args=("packages/nope.yaml",)),
    Case("path-is-config", {}, "wfpromote.yaml", args=("wfpromote.yaml",)),
    Case("path-dangling-link", {}, "packages/dangling.yaml"),  # link made below
    Case("path-fifo-argument", {}, "packages/fifo.yaml", args=("packages/fifo.yaml",)),
    Case("path-fifo-in-folder", {}, "packages/fifo.yaml"),
    Case("concurrency-option-0", {}, "--concurrency", commands=("apply",),
         extra={"apply": ("--concurrency", "0")}),
    Case("format-unknown", {}, "--format",
         extra={c: ("--format", "xml") for c in ("validate", "plan", "apply")}),
    Case("option-unknown", {}, "--bogus",
         extra={c: ("--bogus",) for c in ("validate", "plan", "apply")}),
    Case("out-missing-folder", {}, "--out", commands=("plan",),
         extra={"plan": ("--out", "missing-dir/plan.json")}),
    Case("out-under-a-file", {}, "--out", commands=("plan",),
         extra={"plan": ("--out", "wfpromote.yaml/plan.json")}),
    Case("out-directory", {}, "--out", commands=("plan",), extra={"plan": ("--out", "packages")}),
    Case("report-missing-folder", {}, "--report", commands=("apply",),
         extra={"apply": ("--report", "missing-dir/report.json")}),
    Case("saved-plan-corrupt", {"plan.json": '{"format_version": "1.0", "actions": [}'},
         "plan.json:1:", commands=("apply",), extra={"apply": ("plan.json",)}),
    Case("saved-plan-other-version", {"plan.json": '{"format_version": "99.0"}'},
         "plan.json", commands=("apply",), extra={"apply": ("plan.json",)}),
    Case("saved-plan-empty", {"plan.json": ""}, "plan.json", commands=("apply",),
         extra={"apply": ("plan.json",)}),
    Case("saved-plan-not-a-plan", {"plan.json": '{"format_version": "1.0", "actions": 5}'},
         "plan.json", commands=("apply",), extra={"apply": ("plan.json",)}),
]

DEFAULT_ARGS = {"validate": ("validate",), "plan": ("plan", "--out", "plan.json"),
                "apply": ("apply", "--auto-approve", "--report", "report.json")}


def _setup(repo: Repo, case: Case) -> None:
    repo.package("good.yaml", GOOD)
    for name, content in case.files.items():
        repo.write(name, content)
    if case.id == "config-missing":
        (repo.root / "wfpromote.yaml").unlink()
    if case.id == "path-dangling-link":
        os.symlink("nowhere.yaml", repo.root / "packages" / "dangling.yaml")
    if case.id.startswith("path-fifo"):
        os.mkfifo(repo.root / "packages" / "fifo.yaml")


def _argv(case: Case, command: str) -> list[str]:
    extra = case.extra.get(command, ())
    base = DEFAULT_ARGS[command]
    if "--out" in extra or "--report" in extra:
        base = base[:-2]
    return [*case.before, *base, *extra, *case.args]


@pytest.fixture(autouse=True)
def _simulator_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("WFPROMOTE_CONFIG", raising=False)
    monkeypatch.setenv("WFPROMOTE_ALLOW_SIMULATOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")


RUNS = [(case, command) for case in CASES for command in ("validate", "plan", "apply")
        if command in case.commands]


@pytest.mark.parametrize(("case", "command"), RUNS,
                         ids=[f"{case.id}-{command}" for case, command in RUNS])
def test_bad_input_is_one_clear_error(repo: Repo, case: Case, command: str) -> None:
    _setup(repo, case)
    outcome = repo.cli(*_argv(case, command))
    assert outcome.code == 1, outcome.text
    assert "Traceback" not in outcome.text
    assert "internal error" not in outcome.text, outcome.err  # the CLI's catch-all for bugs
    assert case.where in outcome.err, outcome.err
    assert "hint:" in outcome.err or "Try 'wfpromote" in outcome.err, outcome.err
    assert CANARY not in outcome.text and "hunter2" not in outcome.text
    # Nothing half-written: no plan, no report, no simulator state, no temporary files.
    assert not (repo.root / "plan.json").exists() or "plan.json" in case.files
    report = repo.root / "report.json"
    if report.exists():   # a failed apply still writes its report: the error, nothing done
        data = json.loads(report.read_text(encoding="utf-8"))
        assert data["summary"]["exit_code"] == 1 and data["results"] == [], data
        assert data["error"]["message"] and CANARY not in report.read_text(encoding="utf-8")
    assert not (repo.root / ".wfpromote" / "simulator.json").exists()
    assert not list(repo.root.glob(".*.json.*"))
    assert not (repo.root / "missing-dir").exists()


def test_file_over_the_size_limit_is_refused_before_reading(repo: Repo) -> None:
    with open(repo.root / BAD, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: the size is checked before any byte is read
    outcome = repo.validate()
    assert outcome.code == 1 and "too large" in outcome.err and BAD in outcome.err


@pytest.mark.parametrize(("name", "content"), [
    (BAD, b"\xef\xbb\xbf" + PKG.encode()),
    (BAD_JSON, b'\xef\xbb\xbf{"name": "Corpus JSON", "source": "sandbox", "objectCollections":'
               b' [{"objCode": "TMPL", "entities": [{"ID": "' + ID.encode() + b'"}]}]}'),
    (BAD_JSON, '{"name": "Corpus \\ud83d\\ude00", "source": "sandbox", "objectCollections": '
               f'[{{"objCode": "TMPL", "entities": [{{"ID": "{ID}"}}]}}]}}'.encode()),
    (BAD, PKG + "---\n" + pkg("Corpus Package", "Corpus Second")),
])
def test_good_edge_cases_are_accepted(repo: Repo, name: str, content: bytes | str) -> None:
    repo.package("good.yaml", GOOD)
    repo.write(name, content)
    outcome = repo.validate()
    assert outcome.code == 0, outcome.text


def test_utf8_bom_in_the_configuration_is_accepted(repo: Repo) -> None:
    repo.package("good.yaml", GOOD)
    repo.write("wfpromote.yaml", b"\xef\xbb\xbf" + CONFIG.encode())
    assert repo.validate().code == 0


def test_reused_anchor_warning_never_prints_the_file(repo: Repo) -> None:
    repo.package("good.yaml", GOOD)
    repo.package("zz.yaml", f"a: &x {CANARY}\nb: &x 2\n")
    outcome = repo.validate()
    assert outcome.code == 1
    assert "Warning" not in outcome.text and CANARY not in outcome.text


def test_long_key_is_shortened_in_messages(repo: Repo) -> None:
    repo.package("zz.json", '{"' + "k" * 2000 + '": 1}')
    outcome = repo.validate()
    assert outcome.code == 1 and "k" * 100 not in outcome.text


def test_lowercase_status_suggests_the_capitalised_value(repo: Repo) -> None:
    repo.package("zz.yaml", pkg("status: TESTING", "status: testing"))
    assert "did you mean 'TESTING'?" in repo.validate().err


def test_schema_pattern_dollar_means_end_of_text() -> None:
    from reconciler.desired.schemas import validator

    entity = {"name": "Corpus Package", "source": "sandbox",
              "objectCollections": [{"objCode": "TMPL", "entities": [{"ID": ID + "\n"}]}]}
    assert list(validator("package").iter_errors(entity))
    entity["objectCollections"][0]["entities"][0]["ID"] = ID  # type: ignore[index]
    assert not list(validator("package").iter_errors(entity))


def test_write_failure_of_the_plan_is_an_error(repo: Repo, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    repo.package("good.yaml", GOOD)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    outcome = repo.cli("plan", "--out", "plan.json")
    assert outcome.code == 1 and "Traceback" not in outcome.text
    assert "No space left on device" in outcome.err and not Path("plan.json").exists()


def test_tags_on_keys_are_refused_too() -> None:
    from reconciler.desired.sources import SourceError, parse_yaml

    with pytest.raises(SourceError, match=r"tag '!!python/name:os\.system' is not allowed"):
        parse_yaml("!!python/name:os.system : x\n", "k.yaml")
