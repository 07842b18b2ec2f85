"""Round trips on the simulator over real HTTP, in both profiles: packages made by hand are
imported, the plan right after is only the adoption of the marker, `import --adopt` applies
it and the next plan is empty; importing twice writes the same bytes; an exported definition
used by value plans empty after adoption too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import run
from reconciler.clock import FakeClock
from reconciler.simulator.seed import seed_id

OWNER = "acme-import-tests"
KINDS = {"sandbox": "sandbox", "preview": "preview", "production": "production"}
HAND_MADE = {   # name -> (objCode, object name, status, description)
    "Agency Onboarding Kit": ("TMPL", "New Agency Onboarding", "ACTIVE",
                              "Made in the UI.\nSecond line: with a colon"),
    "Agency Onboarding-Kit": ("TMPL", "Campaign Launch", "DRAFT", ""),
    "Agency Dashboards, 2026": ("PTLTAB", "Agency Performance and Readiness", "TESTING",
                                "Dashboards # not a comment"),
    "Retired Agency Groups": ("GROUP", "Default Group", "DISABLED", "old"),
}


class Repo:
    def __init__(self, root: Path, handle: Any, canary: str) -> None:
        self.root, self.handle, self.canary = root, handle, canary
        envs = "\n".join(f"  {env}: {{url: '{handle.url(env)}', kind: {kind}, "
                         "auth: {apikey_env: WFP_IMPORT_KEY}}"
                         for env, kind in KINDS.items())
        (root / "promotions").mkdir(parents=True)
        (root / "wfpromote.yaml").write_text(
            f"api: '{handle.profile}'\nowner: {OWNER}\npackages: promotions/\n"
            f"environments:\n{envs}\n")

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = run(["--config", str(self.root / "wfpromote.yaml"), *args], clock=FakeClock())
        out, err = capsys.readouterr()
        assert self.canary not in out + err, "a secret leaked"
        return code, out, err

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((self.root / "promotions").iterdir())}


def hand_made(handle: Any) -> dict[str, str]:
    """Packages made in the Workfront UI: no marker. Returns name -> id."""
    sim, ids = handle.state, {}
    for name, (code, obj, status, description) in HAND_MADE.items():
        pkg = sim.create_package({
            "name": name, "description": description, "source": handle.url("sandbox"),
            "objectCollections": [{"objCode": code, "entities": [
                {"ID": seed_id("sandbox", code, obj)}]}]}, "sandbox")
        if status != "DRAFT":
            sim.update_package(pkg.id, {"status": status})
        ids[name] = pkg.id
    return ids


@pytest.fixture(params=["current", "2023"])
def repo(request: pytest.FixtureRequest, sim_server: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch, canary: str) -> Repo:
    handle = sim_server(profile=request.param)
    monkeypatch.setenv("WFP_IMPORT_KEY", canary)
    repo = Repo(tmp_path / "repo", handle, canary)
    monkeypatch.chdir(repo.root)
    return repo


def test_import_adopt_then_the_plan_is_empty(repo: Repo,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ids = hand_made(repo.handle)
    code, out, err = repo.cli(capsys, "import")
    assert code == 0, out + err
    files = repo.files()
    yamls = sorted(n for n in files if not n.endswith(".definition.json"))
    assert yamls == ["agency-dashboards-2026.yaml", "agency-onboarding-kit-2.yaml",
                     "agency-onboarding-kit.yaml"]
    assert "Retired Agency Groups" in err and "DISABLED" in err   # skipped, said why
    by_value = repo.handle.profile == "2023"
    assert (len(files) == 6) is by_value   # a definition file beside each under 2023
    kit = files["agency-onboarding-kit.yaml"].decode()
    assert kit.startswith("# yaml-language-server: $schema=../schemas/package.schema.json\n")
    assert "managed-by" not in kit and "status: ACTIVE" in kit and "source: sandbox" in kit
    assert "description: |-\n  Made in the UI.\n  Second line: with a colon\n" in kit
    if by_value:
        assert "definition: agency-onboarding-kit.definition.json" in kit
        definition = json.loads(files["agency-onboarding-kit.definition.json"])
        assert {"TMPL", "TTSK"} <= set(definition)
    else:   # top-level promotable objects only: the template, not its tasks
        assert f"{{ID: {seed_id('sandbox', 'TMPL', 'New Agency Onboarding')}, " \
               "name: New Agency Onboarding}" in kit and "TTSK" not in kit
    assert repo.cli(capsys, "validate")[0] == 0

    # Right after the import: the plan is only the adoption of the marker.
    code, out, _ = repo.cli(capsys, "plan", "--adopt", "--out", "plan.json")
    assert code == 0, out
    actions = json.loads((repo.root / "plan.json").read_text())["actions"]
    assert sorted(a["name"] for a in actions) == sorted(n for n in HAND_MADE
                                                       if not n.startswith("Retired"))
    for action in actions:
        assert (action["action"], action["reason"]) == ("update", "adopted"), action
        assert [d["path"] for d in action["diffs"]] == ["ownership"]

    code, out, err = repo.cli(capsys, "import", "--adopt", "--force")
    assert code == 0, out + err
    assert out.count("adopted (owner") == 3
    assert repo.files() == files                       # same bytes, also with --force
    code, out, _ = repo.cli(capsys, "plan", "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out
    assert repo.handle.state.get_package(ids["Agency Onboarding Kit"]).status == "ACTIVE"


def test_import_adopt_lists_the_packages_once(repo: Repo, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.api.client import PromotionClient

    hand_made(repo.handle)
    lists = []
    original = PromotionClient.list_packages

    async def counted(self: PromotionClient) -> Any:
        lists.append(1)
        return await original(self)

    monkeypatch.setattr(PromotionClient, "list_packages", counted)
    code, out, err = repo.cli(capsys, "import", "--adopt")
    assert code == 0, out + err
    assert out.count("adopted (owner") == 3
    assert len(lists) == 1


def test_import_adopt_waits_for_the_lock_on_the_run_clock(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.apply.lock import ApplyLock

    config = repo.root / "wfpromote.yaml"
    config.write_text(config.read_text() + "timeouts: {lock: 600}\n")
    hand_made(repo.handle)
    with ApplyLock(repo.root):   # held meanwhile: the fake clock waits the 600 s at once
        code, out, err = repo.cli(capsys, "import", "--adopt")
    assert code == 1 and "another apply is running" in err, out + err


def test_import_adopt_lock_timeout_overrides_the_config(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.apply.lock import ApplyLock

    config = repo.root / "wfpromote.yaml"
    config.write_text(config.read_text() + "timeouts: {lock: 600}\n")
    hand_made(repo.handle)
    clock = FakeClock()
    started = clock.monotonic()
    with ApplyLock(repo.root):
        code = run(["--config", str(config), "import", "--adopt", "--lock-timeout", "5"],
                   clock=clock)
    err = capsys.readouterr().err
    assert code == 1 and "another apply is running" in err, err
    assert 5 <= clock.monotonic() - started < 600   # waited what the flag says, not the config


def test_import_twice_gives_the_same_bytes_and_never_overwrites(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    hand_made(repo.handle)
    assert repo.cli(capsys, "import", "--all")[0] == 0
    first = repo.files()
    assert "retired-agency-groups.yaml" in first          # --all takes DISABLED too
    assert "status: DISABLED" in first["retired-agency-groups.yaml"].decode()

    other = repo.root / "promotions" / "again"
    code, _, err = repo.cli(capsys, "import", "--all", "--out", str(other))
    assert code == 0, err          # already declared elsewhere: each one skipped
    assert "already declared in promotions/agency-onboarding-kit.yaml" in err
    assert not other.exists() or not list(other.iterdir())

    (repo.root / "promotions" / "agency-dashboards-2026.yaml").write_text("# mine\n")
    code, _, err = repo.cli(capsys, "import", "--all")
    assert code == 1 and "exists (--force overwrites it)" in err
    assert (repo.root / "promotions" / "agency-dashboards-2026.yaml").read_text() == "# mine\n"

    assert repo.cli(capsys, "import", "--all", "--force")[0] == 0
    assert repo.files() == first


def test_export_then_by_value_then_the_plan_is_empty(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    sim = repo.handle.state
    form = seed_id("sandbox", "CTGY", "Agency Intake Form")
    sim.create_package({"name": "Agency Intake (by hand)", "source": repo.handle.url("sandbox"),
                        "objectCollections": [{"objCode": "CTGY", "entities": [{"ID": form}]}]},
                       "sandbox")
    out_file = repo.root / "promotions" / "intake.definition.json"
    code, _, err = repo.cli(capsys, "export", "Agency Intake (by hand)", "--out", str(out_file))
    assert code == 0, err
    exported = json.loads(out_file.read_text())
    assert [r["id"] for r in exported["CTGY"]] == [form] and "PARAM" in exported
    code, printed, _ = repo.cli(capsys, "export", "Agency Intake (by hand)")
    assert printed.encode() == out_file.read_bytes()          # stable, and to stdout
    assert repo.cli(capsys, "export", "Agency Intake (by hand)", "--out",
                    str(out_file))[0] == 1                    # never overwritten silently

    (repo.root / "promotions" / "intake.yaml").write_text(
        "name: Agency Intake (by hand)\nsource: sandbox\ndefinition: intake.definition.json\n")
    code, out, _ = repo.cli(capsys, "plan", "--adopt", "--out", "plan.json")
    (action,) = json.loads((repo.root / "plan.json").read_text())["actions"]
    assert (action["action"], action["reason"]) == ("update", "adopted"), out
    code, out, err = repo.cli(capsys, "apply", "--adopt", "--auto-approve")
    assert code == 0, out + err
    code, out, _ = repo.cli(capsys, "plan", "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out


def test_export_names_the_package_it_cannot_find(repo: Repo,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    hand_made(repo.handle)
    code, _, err = repo.cli(capsys, "export", "Agency Onboarding Kits")
    assert code == 1 and "no live package named" in err and "Agency Onboarding Kit" in err
    assert "Traceback" not in err


def test_a_lost_file_of_a_managed_package_is_recovered_exactly(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """The served entities cannot tell a dashboard's own report from one named beside it;
    the marker's digest can, so the import writes back exactly the objects declared."""
    dashboard = seed_id("sandbox", "PTLTAB", "Agency Performance and Readiness")
    report = seed_id("sandbox", "PTLSEC", "Open Requests by Agency")
    original = ("name: Agency Dashboards\nsource: sandbox\nstatus: TESTING\nrevision: 2\n"
                "objectCollections:\n"
                f"  - objCode: PTLTAB\n    entities: [{{ID: {dashboard}}}]\n"
                f"  - objCode: PTLSEC\n    entities: [{{ID: {report}}}]\n")
    path = repo.root / "promotions" / "dashboards.yaml"
    path.write_text(original)
    code, out, err = repo.cli(capsys, "apply", "--auto-approve")
    assert code == 0, out + err
    path.unlink()

    code, out, err = repo.cli(capsys, "import")
    assert code == 0, out + err
    text = (repo.root / "promotions" / "agency-dashboards.yaml").read_text()
    assert "revision: 2" in text and report in text and dashboard in text
    assert seed_id("sandbox", "PTLSEC", "Agency Throughput") not in text  # the dashboard's own
    assert "definition:" not in text      # by reference, as it was declared, in both profiles
    code, out, _ = repo.cli(capsys, "plan", "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out


def test_a_package_whose_name_is_too_long_for_a_file_is_refused_alone(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    ids = hand_made(repo.handle)
    long_name = "Agency " + "x" * 300
    repo.handle.state.create_package({
        "name": long_name, "source": repo.handle.url("sandbox"),
        "objectCollections": [{"objCode": "TMPL", "entities": [
            {"ID": seed_id("sandbox", "TMPL", "Campaign Launch")}]}]}, "sandbox")
    code, out, err = repo.cli(capsys, "import")
    assert code == 1
    assert "has 307 characters and a package file allows at most 255" in err
    assert "x" * 100 not in out + err and "Traceback" not in err
    assert "3 package file(s) written" in out   # the others are imported all the same
    assert len(ids) == 4
