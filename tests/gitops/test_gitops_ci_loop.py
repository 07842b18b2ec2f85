"""The CI loop as users run it (issue 20): the request trace of ``comment``, the job summary's
pointer and footer, literal names in the diff blocks, GitLab words on GitLab, and a refused
plan that reaches the pull request with its refusal first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitops_fakes import Forge, github_env, gitlab_env
from markdown_it import MarkdownIt

from reconciler.cli import run
from reconciler.errors import WfpromoteError
from reconciler.gitops.markdown import marker

MARK = marker("plan", "wfpromote.yaml")
FILLED = 1024 * 1024 - 1024 - 4500  # a step summary with 4,500 bytes left


def _setenv(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("how", [["-v"], ["-vv"], ["RUNNER_DEBUG"]])
def test_comment_traces_its_requests_redacted(
        how: list[str], github: Forge, saved_plan: Path, tmp_path: Path, canary: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _setenv(monkeypatch, github_env(github, tmp_path))
    flags = how
    if how == ["RUNNER_DEBUG"]:
        monkeypatch.setenv("RUNNER_DEBUG", "1")
        flags = []
    monkeypatch.chdir(saved_plan.parent)
    assert run([*flags, "comment", "plan.json"]) == 0
    err = capsys.readouterr().err
    assert "HTTP GET /repos/acme/promotions/issues/7/comments" in err
    assert "HTTP POST /repos/acme/promotions/issues/7/comments -> 201" in err
    debug = how != ["-v"]
    assert ("request headers" in err) is debug
    if debug:
        assert '"authorization": "***"' in err.lower()
    assert canary not in err


def test_gitlab_comment_trace_hides_the_private_token(
        gitlab: Forge, saved_plan: Path, canary: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _setenv(monkeypatch, gitlab_env(gitlab))
    monkeypatch.chdir(saved_plan.parent)
    assert run(["-vv", "comment", "plan.json"]) == 0
    err = capsys.readouterr().err
    assert "HTTP POST /api/v4/projects/42/merge_requests/5/notes -> 201" in err
    assert '"private-token": "***"' in err.lower()
    assert canary not in err


def test_summary_of_a_cut_plan_points_to_the_artifact_and_names_the_head_commit(
        github: Forge, saved_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * FILLED)  # room for a cut plan only
    _setenv(monkeypatch, github_env(github, tmp_path))
    monkeypatch.chdir(saved_plan.parent)
    assert run(["comment", "plan.json"]) == 0
    capsys.readouterr()
    added = summary.read_text()[FILLED:]
    [comment] = github.bodies(7)
    assert "left out to fit the comment size limit" in added
    assert "see the wfpromote-plan artifact of this run" in added
    assert "job summary" not in added                     # it never points to itself
    footer = comment[comment.rindex("<sub>"):]
    assert "commit <code>aaaaaaaaaaaa</code>" in footer   # the pull request's head
    assert added.rstrip().endswith(footer.rstrip())       # one footer, the comment's
    assert "bbbbbbbbbbbb" not in added                    # never the merge commit


def test_names_with_html_characters_are_literal_in_the_diff_blocks(
        github: Forge, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    people = repo / "packages" / "people.yaml"
    people.write_text(people.read_text().replace(
        "description: Groups, roles and the team that work with agency partners.",
        "description: 'R&D <beta> uses `wfpromote` and ```fences```'"))
    monkeypatch.chdir(repo)
    assert run(["--allow-simulator", "plan", "--out", "plan.json"]) == 0
    _setenv(monkeypatch, github_env(github, tmp_path))
    assert run(["comment", "plan.json"]) == 0
    capsys.readouterr()
    [body] = github.bodies(7)
    assert "R&D <beta> uses `wfpromote` and ```fences```" in body
    assert "\\u003c" not in body and "\\u0026" not in body and "\\u0060" not in body
    html = MarkdownIt("commonmark").render(body)
    assert "R&amp;D &lt;beta&gt; uses `wfpromote` and ```fences```" in html
    assert "<beta>" not in html  # shown inside the code block, never a tag
    assert html.count("<details>") == html.count("</details>")


def test_gitlab_without_a_merge_request_says_so_in_gitlab_words(
        gitlab: Forge, saved_plan: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _setenv(monkeypatch, gitlab_env(gitlab, iid=None))
    monkeypatch.chdir(saved_plan.parent)
    assert run(["comment", "plan.json"]) == 1
    err = capsys.readouterr().err
    assert "no merge request to comment on" in err
    assert "merge request pipeline" in err and "--mr N" in err
    for word in ("pull_request", "pull request", "--pr", "job summary", "GITHUB"):
        assert word not in err


def test_gitlab_fork_and_read_only_messages_use_gitlab_words(
        gitlab: Forge, saved_plan: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    gitlab.read_only = True
    env = {**gitlab_env(gitlab), "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "77",
           "CI_MERGE_REQUEST_PROJECT_ID": "42"}
    _setenv(monkeypatch, env)
    monkeypatch.chdir(saved_plan.parent)
    assert run(["comment", "plan.json"]) == 0
    err = capsys.readouterr().err
    assert "merge request comes from a fork" in err
    for word in ("pull_request", "pull request", "job summary", "GITHUB"):
        assert word not in err


def _refused_plan(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan the safety check refuses: no package declared at all."""
    (repo / "empty").mkdir()
    config = repo / "wfpromote.yaml"
    config.write_text(config.read_text().replace("packages: packages/", "packages: empty/"))
    monkeypatch.chdir(repo)
    assert run(["--allow-simulator", "plan", "--out", "plan.json"]) == 1  # refused
    return repo / "plan.json"


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_refused_plan_is_posted_with_the_refusal_first(
        kind: str, github: Forge, gitlab: Forge, repo: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    plan = _refused_plan(repo, monkeypatch)
    assert json.loads(plan.read_text())["safety"]["status"] == "refused"
    forge = github if kind == "github" else gitlab
    _setenv(monkeypatch, github_env(forge, tmp_path) if kind == "github" else
            gitlab_env(forge))
    assert run(["comment", "plan.json"]) == 0
    capsys.readouterr()
    [body] = forge.bodies(7 if kind == "github" else 5)
    lines = body.splitlines()
    assert lines[0] == MARK
    assert lines[1:3] == ["> [!CAUTION]",
                          "> **Refused by the safety check: no packages are declared; no "
                          "package is owned by &#39;acme-workfront&#39; yet (check the "
                          "&#96;packages:&#96; path in wfpromote.yaml). Review the plan "
                          "below; pass --allow-empty to go ahead anyway.**"]
    assert body.count("Refused by the safety check") == 1  # said once, at the top
    assert body.index("Refused") < body.index("SIMULATOR") < body.index("### wfpromote plan")


def test_a_missing_merge_request_is_an_error_not_a_traceback() -> None:
    from reconciler.gitops.context import Overrides, resolve

    with pytest.raises(WfpromoteError) as caught:
        resolve({"GITLAB_CI": "true", "CI_PROJECT_ID": "1", "GITLAB_TOKEN": "t"},
                Overrides(), need_number=True)
    assert caught.value.hint is not None and "pull_request" not in caught.value.hint
