"""``wfpromote comment`` against fake GitHub and GitLab APIs on 127.0.0.1."""

from __future__ import annotations

import email.utils
import json
import re
import threading
from pathlib import Path

import pytest
from gitops_fakes import Forge, assert_token_only_in_auth, github_env, gitlab_env

from reconciler.budget import utf8_size as size
from reconciler.clock import FakeClock
from reconciler.errors import WfpromoteError
from reconciler.gitops.context import Overrides
from reconciler.gitops.markdown import Target, marker
from reconciler.gitops.run import CommentRequest, run_comment

SIM_TARGET = Target("current", (("sandbox", "sandbox", True), ("production", "production",
                                                                True)), "sandbox")
REAL_TARGET = Target("current", (("sandbox", "sandbox", False),), "sandbox")
MARK = marker("plan", "wfpromote.yaml")


def post(plan: Path, env: dict[str, str], *, clock: FakeClock | None = None,
         lines: list[str] | None = None, **kwargs: object) -> int:
    request = CommentRequest(str(plan), **{"target": SIM_TARGET, **kwargs})  # type: ignore
    out = [] if lines is None else lines
    return run_comment(request, environ=env, clock=clock or FakeClock(), echo=out.append)


def test_first_comment_has_marker_environment_and_loud_simulator(
        github: Forge, saved_plan: Path, tmp_path: Path, canary: str) -> None:
    lines: list[str] = []
    assert post(saved_plan, github_env(github, tmp_path), lines=lines) == 0
    [body] = github.bodies(7)
    assert body.startswith(MARK + "\n")
    assert "[!CAUTION]" in body and "SIMULATOR" in body
    assert "<code>sandbox</code> (sandbox, simulator, listed)" in body
    assert "**API profile:** <code>current</code>" in body
    assert "| 8 | 0 | 0 | 0 | 0 | 9 | 0 |" in body        # the summary table comes first
    assert body.index("| Create") < body.index("<details>")
    assert "commit <code>aaaaaaaaaaaa</code>" in body       # the PR head, not the merge commit
    assert lines == ["Created the plan comment: https://github.test/pr/7#c1001"]
    summary = (tmp_path / "summary.md").read_text()
    assert "Agency Onboarding" in summary and MARK not in summary
    assert canary not in body + summary + "".join(lines)
    assert_token_only_in_auth(github)


def test_real_environment_has_no_simulator_caution(github: Forge, saved_plan: Path,
                                                   tmp_path: Path) -> None:
    assert post(saved_plan, github_env(github, tmp_path), target=REAL_TARGET) == 0
    [body] = github.bodies(7)
    assert "SIMULATOR" not in body and "(sandbox, listed)" in body


def test_second_run_updates_in_place_and_third_changes_nothing(
        github: Forge, saved_plan: Path, empty_plan: Path, tmp_path: Path) -> None:
    github.add_comment(7, "LGTM", author="reviewer")
    env = github_env(github, tmp_path)
    assert post(saved_plan, env) == 0
    first = [c["id"] for c in github.comments[7]]
    lines: list[str] = []
    assert post(empty_plan, env, lines=lines) == 0
    assert [c["id"] for c in github.comments[7]] == first
    assert "No changes" in github.bodies(7)[1] or "| 0 | 0 |" in github.bodies(7)[1]
    assert lines[0].startswith("Updated the plan comment in place")
    patches = [entry for entry in github.log if entry[0] == "PATCH"]
    assert len(patches) == 1
    lines.clear()
    assert post(empty_plan, env, lines=lines) == 0
    assert lines[0].startswith("The plan comment is already up to date")
    assert len([entry for entry in github.log if entry[0] == "PATCH"]) == 1
    assert github.bodies(7)[0] == "LGTM"


def test_a_marker_pasted_by_a_person_is_not_taken_over_with_author(
        github: Forge, saved_plan: Path, tmp_path: Path) -> None:
    github.add_comment(7, MARK + "\nquoted by hand", author="mallory")
    assert post(saved_plan, github_env(github, tmp_path), author="github-actions[bot]") == 0
    assert len(github.comments[7]) == 2 and github.bodies(7)[0].endswith("by hand")


def test_config_key_keeps_two_configs_apart(github: Forge, saved_plan: Path,
                                            tmp_path: Path) -> None:
    env = github_env(github, tmp_path)
    assert post(saved_plan, env, key="teams/a/wfpromote.yaml") == 0
    assert post(saved_plan, env, key="teams/b/wfpromote.yaml") == 0
    assert post(saved_plan, env, key="teams/a/wfpromote.yaml") == 0
    assert len(github.comments[7]) == 2


def test_a_racing_run_that_created_first_wins_and_ours_is_deleted(
        github: Forge, saved_plan: Path, tmp_path: Path) -> None:
    state = {"lists": 0}

    def racer(forge: Forge, number: int) -> None:
        state["lists"] += 1
        if state["lists"] == 1:  # between our listing and our create
            forge.add_comment(number, MARK + "\nthe other run's plan")

    github.after_list = racer
    lines: list[str] = []
    assert post(saved_plan, github_env(github, tmp_path), lines=lines) == 0
    [comment] = github.comments[7]
    assert comment["id"] == 1001 and "Agency Onboarding" in comment["body"]
    assert "removed 1 duplicate" in lines[0]


def test_two_runs_racing_for_real_leave_one_comment(github: Forge, saved_plan: Path,
                                                    tmp_path: Path) -> None:
    barrier = threading.Barrier(2, timeout=10)
    seen = {"lists": 0}
    lock = threading.Lock()

    def both_list_before_either_creates(forge: Forge, number: int) -> None:
        with lock:
            seen["lists"] += 1
            first_two = seen["lists"] <= 2
        if first_two:
            barrier.wait()

    github.after_list = both_list_before_either_creates
    env = github_env(github, tmp_path)
    codes: list[int] = []
    threads = [threading.Thread(target=lambda: codes.append(post(saved_plan, env)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes == [0, 0]
    assert len([e for e in github.log if e[0] == "POST"]) == 2   # both created ...
    assert len(github.comments[7]) == 1                            # ... one is left
    assert github.bodies(7)[0].startswith(MARK)


def test_pagination_past_100_comments_finds_the_sticky_one(
        github: Forge, saved_plan: Path, tmp_path: Path) -> None:
    for index in range(180):
        github.add_comment(7, f"chatter {index}", author="someone")
    ours = github.add_comment(7, MARK + "\nold plan")
    for index in range(70):
        github.add_comment(7, f"more chatter {index}", author="someone")
    assert post(saved_plan, github_env(github, tmp_path)) == 0
    assert len(github.comments[7]) == 251
    assert next(c for c in github.comments[7] if c["id"] == ours["id"])["body"] != \
        MARK + "\nold plan"
    lists = [path for method, path, _, _ in github.log if method == "GET"]
    assert len(lists) == 3 and all("per_page=100" in path for path in lists)


def big_markdown(sections: int) -> str:
    head = "### wfpromote plan\n\n| Create |\n|---:|\n| 9 |\n\n"
    body = "".join(f"<details><summary>package {i}</summary>\n\n```diff\n"
                   + "".join(f"+ line {j} of package {i} ✓\n" for j in range(40))
                   + "```\n\n</details>\n" for i in range(sections))
    return head + body + "\n**Plan: 9 to create.**\n"


def test_an_oversized_plan_is_cut_at_a_safe_point_with_a_pointer(
        github: Forge, tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(big_markdown(400))
    assert size(plan.read_text()) > 400_000
    assert post(plan, github_env(github, tmp_path)) == 0
    [body] = github.bodies(7)
    assert size(body) <= 65_000 and len(body) <= 65_536
    assert body.count("```") % 2 == 0
    assert body.count("<details>") == body.count("</details>") > 0
    assert "| Create |" in body                                # summary first
    assert "cut here to fit the comment size limit" in body
    assert "wfpromote-plan artifact" in body and "actions/runs/4242" in body
    summary = (tmp_path / "summary.md").read_text()
    assert 65_000 < size(summary) <= 1024 * 1024
    assert summary.count("<details>") == summary.count("</details>")


def test_the_step_summary_never_grows_past_one_mebibyte(github: Forge,
                                                        tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(big_markdown(900))
    env = github_env(github, tmp_path)
    Path(env["GITHUB_STEP_SUMMARY"]).write_text("x" * 300_000 + "\n")
    assert post(plan, env) == 0
    assert 900_000 < Path(env["GITHUB_STEP_SUMMARY"]).stat().st_size <= 1024 * 1024
    lines: list[str] = []
    assert post(plan, env, lines=lines) == 0  # the file is full now: left alone, said so
    assert Path(env["GITHUB_STEP_SUMMARY"]).stat().st_size <= 1024 * 1024
    assert any("nearly full" in line for line in lines)


def test_a_read_only_fork_token_is_one_line_and_exit_0(github: Forge, saved_plan: Path,
                                                       tmp_path: Path, canary: str) -> None:
    github.read_only = True
    lines: list[str] = []
    assert post(saved_plan, github_env(github, tmp_path, fork=True), lines=lines) == 0
    assert len(lines) == 1 and "fork" in lines[0] and "job summary" in lines[0]
    assert canary not in lines[0]
    assert github.comments == {}
    assert "Agency Onboarding" in (tmp_path / "summary.md").read_text()


def test_a_fork_without_any_token_is_one_line_and_exit_0(github: Forge, saved_plan: Path,
                                                         tmp_path: Path) -> None:
    lines: list[str] = []
    env = github_env(github, tmp_path, fork=True, token="")
    assert post(saved_plan, env, lines=lines) == 0
    assert len(lines) == 1 and "fork" in lines[0]
    assert github.log == []


def test_no_token_outside_a_fork_is_an_error_with_a_hint(github: Forge, saved_plan: Path,
                                                         tmp_path: Path) -> None:
    with pytest.raises(WfpromoteError, match="GITHUB_TOKEN is not set") as caught:
        post(saved_plan, github_env(github, tmp_path, token=""))
    assert "pull-requests: write" in (caught.value.hint or "")


def test_rate_limits_are_waited_out_on_the_clock(github: Forge, saved_plan: Path,
                                                 tmp_path: Path) -> None:
    clock = FakeClock()
    reset = int(clock.now()) + 120
    github.rate_limits = [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}),
        (429, {"retry-after": "30"}),
        (403, {}),  # a secondary rate limit naming no time: a minute
    ]
    lines: list[str] = []
    assert post(saved_plan, github_env(github, tmp_path), clock=clock, lines=lines) == 0
    assert [round(s) for s in clock.sleeps[:3]] == [121, 30, 60]
    assert len(github.comments[7]) == 1
    assert sum("rate limit" in line for line in lines) == 3


def test_a_retry_after_date_is_waited_until(github: Forge, saved_plan: Path,
                                           tmp_path: Path) -> None:
    # Retry-After may be an HTTP date (RFC 9110): read as the Workfront client reads it,
    # not taken for a rate limit that names no time (a minute).
    clock = FakeClock()
    github.rate_limits = [(429, {"retry-after": email.utils.formatdate(clock.now() + 90,
                                                                       usegmt=True)})]
    assert post(saved_plan, github_env(github, tmp_path), clock=clock) == 0
    assert clock.sleeps[:1] == [90.0]


def test_rate_limits_beyond_the_budget_fail_clearly(github: Forge, saved_plan: Path,
                                                    tmp_path: Path) -> None:
    github.rate_limits = [(429, {"retry-after": "400"}), (429, {"retry-after": "400"})]
    with pytest.raises(WfpromoteError, match="beyond the budget of 600 s"):
        post(saved_plan, github_env(github, tmp_path))
    assert github.comments == {}


def test_writes_are_spaced_one_second_apart(github: Forge, saved_plan: Path,
                                            tmp_path: Path) -> None:
    github.add_comment(7, MARK + "\nold")
    github.add_comment(7, MARK + "\nduplicate")
    clock = FakeClock()
    assert post(saved_plan, github_env(github, tmp_path), clock=clock) == 0
    assert clock.sleeps == [1.0]  # delete, then (a second later) update
    assert len(github.comments[7]) == 1


def test_gitlab_note_first_update_and_pagination(gitlab: Forge, saved_plan: Path,
                                                 empty_plan: Path, canary: str) -> None:
    for index in range(120):
        gitlab.add_comment(5, f"note {index}", author="someone")
    env = gitlab_env(gitlab, token_env="WFPROMOTE_GITLAB_TOKEN")
    lines: list[str] = []
    over = Overrides(token_env="WFPROMOTE_GITLAB_TOKEN")
    assert post(saved_plan, env, lines=lines, overrides=over) == 0
    assert post(empty_plan, env, lines=lines, overrides=over) == 0
    ours = [b for b in gitlab.bodies(5) if b.startswith(MARK)]
    assert len(ours) == 1 and "SIMULATOR" in ours[0]
    assert "[run](https://gitlab.test/acme/promotions/-/pipelines/9)" in ours[0]
    assert lines[0].startswith("Created") and lines[1].startswith("Updated")
    assert canary not in "".join(lines) + "".join(gitlab.bodies(5))
    assert_token_only_in_auth(gitlab)


def test_gitlab_rate_limit_reset_header(gitlab: Forge, saved_plan: Path) -> None:
    clock = FakeClock()
    gitlab.rate_limits = [(429, {"ratelimit-remaining": "0",
                                 "ratelimit-reset": str(int(clock.now()) + 10)})]
    assert post(saved_plan, gitlab_env(gitlab), clock=clock) == 0
    assert [round(s) for s in clock.sleeps] == [11]


def test_not_for_a_request_says_so(github: Forge, saved_plan: Path, tmp_path: Path) -> None:
    with pytest.raises(WfpromoteError, match="no pull request to comment on"):
        post(saved_plan, github_env(github, tmp_path, number=None))


def test_http_api_url_off_loopback_is_refused(github: Forge, saved_plan: Path,
                                              tmp_path: Path) -> None:
    env = {**github_env(github, tmp_path), "GITHUB_API_URL": "http://api.example.com"}
    with pytest.raises(WfpromoteError, match="is not https"):
        post(saved_plan, env)


def test_drift_needs_a_saved_plan(github: Forge, tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("### wfpromote plan\n")
    with pytest.raises(WfpromoteError, match="--drift needs a saved plan"):
        post(plan, github_env(github, tmp_path), drift=True)


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_drift_issue_opened_updated_closed(kind: str, github: Forge, gitlab: Forge,
                                           saved_plan: Path, empty_plan: Path,
                                           tmp_path: Path) -> None:
    forge = github if kind == "github" else gitlab
    env = github_env(forge, tmp_path, number=None) if kind == "github" else \
        gitlab_env(forge, iid=None)
    lines: list[str] = []
    assert post(saved_plan, env, drift=True, lines=lines) == 0
    [issue] = forge.open_issues()
    assert "wfpromote-drift" in issue["labels"]
    assert forge.issue_body(issue).startswith(marker("drift", "wfpromote.yaml"))
    later = {**env, "GITHUB_RUN_ID": "4243", "CI_PIPELINE_URL": "https://gitlab.test/p/10"}
    assert post(saved_plan, later, drift=True, lines=lines) == 0
    assert len(forge.issues) == 1 and forge.open_issues() == [issue]
    assert post(empty_plan, env, drift=True, lines=lines) == 0
    assert forge.open_issues() == [] and len(forge.issues) == 1
    assert "No drift" in issue["notes"][0]
    assert post(empty_plan, env, drift=True, lines=lines) == 0
    assert [line.split(":")[0] for line in lines] == [
        "Created the drift issue", "Updated the drift issue in place",
        "No drift", "No drift, and no drift issue open"]


def test_drift_duplicates_from_a_race_are_closed(github: Forge, saved_plan: Path,
                                                 tmp_path: Path) -> None:
    env = github_env(github, tmp_path, number=None)
    drift_mark = marker("drift", "wfpromote.yaml")
    for number in (1, 2):
        github.issues.append({"number": number, "title": "t", "body": drift_mark + "\nx",
                              "labels": ["wfpromote-drift"], "state": "open"})
    assert post(saved_plan, env, drift=True) == 0
    assert [i["number"] for i in github.open_issues()] == [1]
    assert "duplicate of #1" in github.issues[1]["notes"][0]


def test_cli_comment_prints_no_token_even_when_the_api_is_unreachable(
        saved_plan: Path, tmp_path: Path, canary: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.cli import run

    env = github_env(Forge("github", canary, port=9), tmp_path)  # nothing listens on :9
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(saved_plan.parent)
    code = run(["-vv", "comment", str(saved_plan), "--api-url",
                f"http://127.0.0.1:9/{canary}"])
    out = capsys.readouterr()
    assert code == 1
    assert "cannot reach the github API" in out.err
    assert canary not in out.out + out.err


def test_cli_comment_end_to_end(github: Forge, saved_plan: Path, tmp_path: Path, canary: str,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.cli import run

    for key, value in github_env(github, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(saved_plan.parent)
    assert run(["comment", "plan.json"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and "Created the plan comment" in out.err
    [body] = github.bodies(7)
    assert "(sandbox, simulator, listed)" in body
    assert canary not in out.err + body
    data = json.loads(saved_plan.read_text())
    assert re.search(rf"\| {data['summary']['create']} \|", body)


def test_an_oversized_saved_plan_drops_whole_sections_with_a_pointer(
        github: Forge, saved_plan: Path, tmp_path: Path) -> None:
    data = json.loads(saved_plan.read_text())
    actions = data["actions"]
    data["actions"] = [{**a, "name": f"{a['name']} {i}"} for i in range(150) for a in actions]
    kinds = [a["action"] for a in data["actions"]]  # a summary that counts the actions
    data["summary"] = {**{k: kinds.count(k) for k in data["summary"]},
                       "unchanged": kinds.count("no-op"),
                       "blocked": sum(bool(a.get("blocked")) for a in data["actions"])}
    big = tmp_path / "big.json"
    big.write_text(json.dumps(data))
    assert post(big, github_env(github, tmp_path)) == 0
    [body] = github.bodies(7)
    assert size(body) <= 65_000
    assert body.count("<details>") == body.count("</details>") > 10
    total = len(data["actions"])
    assert f"| {sum(a['action'] == 'create' for a in data['actions'])} |" in body
    assert re.search(rf"\d+ of {total} package section\(s\) left out to fit the comment size "
                     r"limit; for the full plan, see the job summary and the wfpromote-plan "
                     r"artifact of this run \(https://github.test/acme/promotions/actions/"
                     r"runs/4242\)", body)
    summary = (tmp_path / "summary.md").read_text()
    assert summary.count("<details>") > body.count("<details>")


@pytest.mark.parametrize(("content", "message"), [
    ('{"plan": 1}', "JSON, but not a saved plan"),
    (b"\xff\xfe", "not UTF-8 text"),
    ('{"format_version": "9.0"}', "format version 9.0"),
])
def test_bad_files_are_one_message(github: Forge, tmp_path: Path, content: str | bytes,
                                   message: str) -> None:
    bad = tmp_path / "bad"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    with pytest.raises(WfpromoteError, match=re.escape(message)):
        post(bad, github_env(github, tmp_path))
    assert github.log == []


def test_gitlab_fork_without_the_token_is_one_line_and_exit_0(gitlab: Forge,
                                                              saved_plan: Path) -> None:
    env = {**gitlab_env(gitlab), "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "77",
           "CI_MERGE_REQUEST_PROJECT_ID": "42"}
    del env["GITLAB_TOKEN"]
    lines: list[str] = []
    assert post(saved_plan, env, lines=lines) == 0
    assert lines == ["this merge request comes from a fork and gets no GITLAB_TOKEN: not "
                     "commenting; the plan is in the job's artifact"]
    assert gitlab.log == []


def test_gitlab_read_only_token_is_one_line_and_exit_0(gitlab: Forge, saved_plan: Path,
                                                       canary: str) -> None:
    gitlab.read_only = True
    lines: list[str] = []
    assert post(saved_plan, gitlab_env(gitlab), lines=lines) == 0
    assert len(lines) == 1 and "cannot write here" in lines[0]
    assert "job's plan artifact" in lines[0] and canary not in lines[0]


def test_cli_rate_limit_waits_use_the_clock_given_to_cli_run(
        github: Forge, saved_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.cli import run

    for key, value in github_env(github, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(saved_plan.parent)
    github.rate_limits = [(429, {"retry-after": "45"})]
    clock = FakeClock()
    assert run(["comment", "plan.json"], clock=clock) == 0
    assert clock.sleeps == [45.0]
    assert "waiting 45 s" in capsys.readouterr().err


def test_a_truncated_saved_plan_is_refused_not_posted_as_markdown(
        github: Forge, saved_plan: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_bytes(saved_plan.read_bytes()[:300])
    env = github_env(github, tmp_path)
    with pytest.raises(WfpromoteError, match="not a valid saved plan: broken JSON"):
        post(cut, env)
    assert github.log == []
    assert not (tmp_path / "summary.md").exists()


def _install_plan(tmp_path: Path, blocked: str | None) -> Path:
    from reconciler.output.saved import plan_to_data
    from reconciler.plan.model import Action, Install, Plan, Reason

    action = Action("Launch", Reason.INSTALL_REQUESTED,
                    Install("production", step=1, after=("preview",),
                            gates=("after preview: done",), blocked=blocked),
                    package_id="fe06a006-d15b-46ff-89f5-0c70eee9eca8", source_env="sandbox")
    out = tmp_path / f"install-{bool(blocked)}-{len(blocked or '')}.json"
    out.write_text(json.dumps(plan_to_data(Plan((action,), "acme", "current", "0" * 64))))
    return out


def test_an_install_still_soaking_is_not_drift_until_it_is_due(github: Forge,
                                                                tmp_path: Path) -> None:
    env = github_env(github, tmp_path, number=None)
    lines: list[str] = []
    soaking = _install_plan(tmp_path, "soaking in preview: 3h left of 4h")
    assert post(soaking, env, drift=True, lines=lines) == 0
    assert github.open_issues() == [] and lines[-1].startswith("No drift")
    assert post(_install_plan(tmp_path, None), env, drift=True, lines=lines) == 0  # now due
    [issue] = github.open_issues()
    assert "Launch" in github.issue_body(issue)
    assert post(soaking, env, drift=True, lines=lines) == 0   # a new version soaks again
    assert github.open_issues() == []
    blocked = _install_plan(tmp_path, "a TESTING package cannot be installed into a "
                                      "production environment; set status: ACTIVE")
    assert post(blocked, env, drift=True, lines=lines) == 0   # other gates still count
    assert len(github.open_issues()) == 1
