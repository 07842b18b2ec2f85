"""``wfpromote comment``: post a plan to the pull/merge request as one sticky comment, or
keep the one drift issue of a scheduled plan up to date (``--drift``)."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

import click

from reconciler.commands.common import GlobalOptions, global_options

if TYPE_CHECKING:
    from reconciler.gitops.markdown import Target
    from reconciler.gitops.run import Document

EPILOG = """\b
Examples (in CI; GITHUB_* or CI_* variables say where to post):
  wfpromote plan --out plan.json --detailed-exitcode || test $? -eq 2
  wfpromote comment plan.json                  sticky comment on the pull request
  wfpromote comment --drift plan.json          open, update or close the drift issue
  wfpromote comment --provider gitlab --token-env WFPROMOTE_GITLAB_TOKEN plan.json
\b
A token that cannot write (a pull request from a fork) is reported in one line, exit 0.
"""


@click.command("comment", epilog=EPILOG)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--provider", type=click.Choice(["github", "gitlab"]),
              help="Where to post (default: GitHub when GITHUB_ACTIONS=true, GitLab when "
                   "GITLAB_CI=true).")
@click.option("--repo", metavar="OWNER/NAME",
              help="Repository (GitHub) or project ID or path (GitLab) (default: "
                   "GITHUB_REPOSITORY / CI_PROJECT_ID).")
@click.option("--pr", "--mr", "number", type=click.IntRange(min=1), metavar="N",
              help="Pull request number or merge request IID (default: the event file / "
                   "CI_MERGE_REQUEST_IID).")
@click.option("--api-url", metavar="URL",
              help="API base URL (default: GITHUB_API_URL / CI_API_V4_URL).")
@click.option("--token-env", metavar="NAME",
              help="Environment variable holding the token (default: GITHUB_TOKEN, then "
                   "GH_TOKEN; GitLab: GITLAB_TOKEN).")
@click.option("--key", metavar="TEXT",
              help="Which sticky comment/issue this is, for several configs in one "
                   "repository (default: the --config path, wfpromote.yaml).")
@click.option("--author", metavar="LOGIN",
              help="Only take over comments by this login (recommended with a personal or "
                   "app token).")
@click.option("--drift", is_flag=True,
              help="Instead of commenting: open or update one issue when FILE (a saved plan) "
                   "has changes, close it when it has none.")
@click.option("--label", default="wfpromote-drift", show_default=True,
              help="Label that finds the drift issue.")
@click.option("--artifact", default="wfpromote-plan", show_default=True, metavar="NAME",
              help="Artifact name the comment points to when the plan is cut.")
@click.option("--wait-budget", type=click.FloatRange(min=0), default=600.0,
              show_default=True, metavar="SECONDS",
              help="Longest total wait for rate limits before giving up.")
@click.option("--summary/--no-summary", default=None,
              help="Append the plan to $GITHUB_STEP_SUMMARY (default: when it is set).")
@click.pass_context
def comment_command(ctx: click.Context, file: str, provider: str | None, repo: str | None,
                    number: int | None, api_url: str | None, token_env: str | None,
                    key: str | None, author: str | None, drift: bool, label: str,
                    artifact: str, wait_budget: float, summary: bool | None) -> int:
    """Post FILE, a saved plan (plan --out) or its Markdown (plan --format markdown), to the
    pull request or merge request this CI run is for, as one comment updated in place."""
    from reconciler.gitops.context import Overrides
    from reconciler.gitops.run import CommentRequest, load_document, run_comment

    opts = global_options(ctx)
    document = load_document(file)
    default_key = PurePath(opts.config_path or "wfpromote.yaml").as_posix()
    request = CommentRequest(
        file=file,
        overrides=Overrides(provider=provider, repo=repo, number=number, api_url=api_url,
                            token_env=token_env),
        key=key or default_key, author=author, drift=drift, label=label, artifact=artifact,
        wait_budget=wait_budget, summary=summary, target=_target(opts, document),
        document=document)
    return run_comment(request, clock=opts.clock)


def _target(opts: GlobalOptions, document: Document) -> Target:
    """Environments and API profile from wfpromote.yaml (and the plan's own profile)."""
    from reconciler.errors import WfpromoteError
    from reconciler.gitops.markdown import Target
    profile = document.plan.profile if document.plan is not None else None
    try:
        config = opts.load_config()
    except WfpromoteError:
        return Target(profile)
    return Target(profile or config.api,
                  tuple((name, str(env.kind), env.is_simulator)
                        for name, env in config.environments.items()),
                  config.listing_environment())
