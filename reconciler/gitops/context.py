"""Where a run posts to: provider, repository or project, request number, API URL, token,
read from the CI's standard variables (and the GitHub event file), flags overriding them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import WfpromoteError
from reconciler.gitops.provider import ReadOnlyToken

GITHUB_API = "https://api.github.com"
GITLAB_API = "https://gitlab.com/api/v4"


@dataclass(frozen=True)
class Overrides:
    provider: str | None = None
    repo: str | None = None
    number: int | None = None
    api_url: str | None = None
    token_env: str | None = None


@dataclass(frozen=True)
class Context:
    provider: str                 # "github" | "gitlab"
    repo: str                     # owner/name, or a GitLab project ID or path
    number: int | None            # pull request number / merge request IID
    api_url: str
    token: str
    token_env: str
    fork: bool                    # the request comes from a fork (its token cannot write)
    sha: str                      # the commit the plan is for
    run_url: str                  # the CI run, for "full plan in the job summary"


def detect_provider(environ: Mapping[str, str], chosen: str | None) -> str:
    if chosen:
        return chosen
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    raise WfpromoteError("cannot tell which provider to post to (neither GITHUB_ACTIONS nor "
                         "GITLAB_CI is set)", hint="pass --provider github or --provider gitlab")


def resolve(environ: Mapping[str, str], overrides: Overrides, *, need_number: bool) -> Context:
    provider = detect_provider(environ, overrides.provider)
    context = (_github if provider == "github" else _gitlab)(environ, overrides)
    if need_number and context.number is None:
        raise WfpromoteError(f"no {_request(context)} to comment on: this run is not for one",
                             hint=_no_request_hint(context.provider))
    _check_url(context.api_url)
    return context


def _github(environ: Mapping[str, str], o: Overrides) -> Context:
    event = _event(environ.get("GITHUB_EVENT_PATH"))
    pr: dict[str, Any] = event["pull_request"] if isinstance(event.get("pull_request"), dict) \
        else {}
    number = o.number
    if number is None and pr:
        number = _int(pr.get("number", event.get("number")))
    repo = o.repo or environ.get("GITHUB_REPOSITORY", "")
    if not repo or "/" not in repo:
        raise WfpromoteError("no GitHub repository (GITHUB_REPOSITORY is not set)",
                             hint="pass --repo OWNER/NAME")
    head = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
    base = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
    fork = bool(head and base and head != base)
    token_env = o.token_env or "GITHUB_TOKEN"
    token = environ.get(token_env) or (environ.get("GH_TOKEN", "") if o.token_env is None
                                       else "")
    sha, run_url = github_commit_and_run(environ, event, repo)
    return _with_token(Context("github", repo, number, o.api_url or environ.get(
        "GITHUB_API_URL", GITHUB_API), token, token_env, fork, sha, run_url))


def github_commit_and_run(environ: Mapping[str, str], event: Mapping[str, Any] | None = None,
                          repo: str | None = None) -> tuple[str, str]:
    """The commit a GitHub run is about (a pull request's head, not the merge commit that
    ``GITHUB_SHA`` names on pull_request events) and the run's URL: what the comment's footer
    and the job summary's footer both say."""
    if event is None:
        try:
            event = _event(environ.get("GITHUB_EVENT_PATH"))
        except WfpromoteError:
            event = {}
    pr = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    assert isinstance(pr, dict)
    repo = repo if repo is not None else environ.get("GITHUB_REPOSITORY", "")
    server = environ.get("GITHUB_SERVER_URL", "https://github.com")
    run_id = environ.get("GITHUB_RUN_ID")
    run_url = f"{server}/{repo}/actions/runs/{run_id}" if run_id and repo else ""
    sha = str((pr.get("head") or {}).get("sha") or environ.get("GITHUB_SHA", ""))
    return sha, run_url


def _no_request_hint(provider: str) -> str:
    if provider == "github":
        return "run it on pull_request events, or pass --pr N"
    return ("run it in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == "
            "\"merge_request_event\"), or pass --mr N")


def _gitlab(environ: Mapping[str, str], o: Overrides) -> Context:
    repo = o.repo or environ.get("CI_PROJECT_ID") or environ.get("CI_PROJECT_PATH", "")
    if not repo:
        raise WfpromoteError("no GitLab project (CI_PROJECT_ID is not set)",
                             hint="pass --repo PROJECT_ID or --repo group/project")
    number = o.number if o.number is not None else _int(environ.get("CI_MERGE_REQUEST_IID"))
    source = environ.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
    target = environ.get("CI_MERGE_REQUEST_PROJECT_ID")
    fork = bool(source and target and source != target)
    token_env = o.token_env or "GITLAB_TOKEN"
    run_url = environ.get("CI_PIPELINE_URL") or environ.get("CI_JOB_URL", "")
    return _with_token(Context("gitlab", repo, number, o.api_url or environ.get(
        "CI_API_V4_URL", GITLAB_API), environ.get(token_env, ""), token_env, fork,
        environ.get("CI_COMMIT_SHA", ""), run_url))


def _with_token(context: Context) -> Context:
    from reconciler.redact import register

    if context.token:
        register(context.token)
        return context
    if context.fork:
        where = "the job summary" if context.provider == "github" else "the job's artifact"
        raise ReadOnlyToken(f"this {_request(context)} comes from a fork and gets no "
                            f"{context.token_env}: not commenting; the plan is in {where}")
    raise WfpromoteError(f"no {context.provider} token: {context.token_env} is not set",
                         hint=_token_hint(context))


def _token_hint(context: Context) -> str:
    if context.provider == "github":
        return ("pass it to the step: env: {GITHUB_TOKEN: ${{ github.token }}}, with "
                "permissions pull-requests: write (issues: write for --drift)")
    return ("store a project access token (scope api) as a masked CI/CD variable and name it "
            "with --token-env")


def _request(context: Context) -> str:
    return request_noun(context.provider)


def request_noun(provider: str) -> str:
    """What the provider calls a change under review."""
    return "pull request" if provider == "github" else "merge request"


def _event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise WfpromoteError(f"cannot read the GitHub event file {path}",
                             hint="pass --repo and --pr explicitly") from None
    return data if isinstance(data, dict) else {}


def _int(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _check_url(url: str) -> None:
    from reconciler.desired.config import is_loopback

    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)):
        return
    raise WfpromoteError(f"API URL {url!r} is not https",
                         hint="the token is sent to it: use https (plain http only for "
                              "127.0.0.1/localhost)")
