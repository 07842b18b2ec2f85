"""``wfpromote comment`` from start to end: read the plan, write the job summary, post."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reconciler import __version__
from reconciler.budget import utf8_size
from reconciler.clock import Clock, RealClock
from reconciler.errors import WfpromoteError
from reconciler.gitops.context import (
    Context,
    Overrides,
    github_commit_and_run,
    request_noun,
    resolve,
)
from reconciler.gitops.http import ApiSession
from reconciler.gitops.markdown import (
    STEP_SUMMARY_LIMIT,
    Target,
    cut_note,
    fit,
    header,
    marker,
)
from reconciler.gitops.provider import ReadOnlyToken, ReviewProvider
from reconciler.gitops.sticky import Outcome, sync_drift_issue, upsert_comment
from reconciler.plan.model import Plan
from reconciler.redact import redact

MAX_INPUT = 64 * 1024 * 1024


@dataclass(frozen=True)
class CommentRequest:
    file: str
    overrides: Overrides = field(default_factory=Overrides)
    key: str = "wfpromote.yaml"
    author: str | None = None
    drift: bool = False
    label: str = "wfpromote-drift"
    artifact: str = "wfpromote-plan"
    wait_budget: float = 600.0
    summary: bool | None = None        # None: write it when GITHUB_STEP_SUMMARY is set
    target: Target = field(default_factory=lambda: Target(None))
    document: Document | None = None   # FILE already read by the caller; else read here


@dataclass(frozen=True)
class Document:
    """The input: a saved plan (rendered here, to any budget) or Markdown already rendered."""

    plan: Plan | None
    markdown: str | None

    def render(self, budget: int, pointer: str) -> str:
        if self.plan is not None:
            from reconciler.output.markdown import MIN_BUDGET, render_markdown

            return render_markdown(self.plan, budget=max(budget, MIN_BUDGET),
                                   full_plan_hint=pointer)
        assert self.markdown is not None
        text, _ = fit(self.markdown, budget, cut_note(pointer))
        return text


def load_document(path: str) -> Document:
    from reconciler.output.saved import is_saved_plan, read_saved_plan

    file = Path(path)
    try:
        if file.stat().st_size > MAX_INPUT:
            raise WfpromoteError(f"{path}: larger than {MAX_INPUT // (1024 * 1024)} MiB",
                                 hint="pass the saved plan (plan --out) instead")
        saved = is_saved_plan(path)  # by its content, as apply and show judge it
        text = "" if saved else file.read_text(encoding="utf-8")
    except OSError as exc:
        raise WfpromoteError(f"cannot read {path}: {exc.strerror or exc}",
                             hint="pass a saved plan (plan --out FILE) or Markdown "
                                  "(plan --format markdown > FILE)") from None
    except UnicodeDecodeError:
        raise WfpromoteError(f"{path}: not UTF-8 text",
                             hint="pass a saved plan or the Markdown of plan --format markdown"
                             ) from None
    if saved:  # a truncated or edited plan is refused, never posted as Markdown
        return Document(read_saved_plan((path,)), None)
    if text.lstrip().startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            raise WfpromoteError(f"{path}: JSON, but not a saved plan (no format_version)",
                                 hint="pass the file of plan --out, or the Markdown of "
                                      "plan --format markdown")
    return Document(None, redact(text))


def run_comment(request: CommentRequest, *, environ: Mapping[str, str] | None = None,
                clock: Clock | None = None, echo: Callable[[str], None] | None = None,
                transport: httpx.AsyncBaseTransport | None = None) -> int:
    """The whole command; returns the exit code. A token that cannot write is exit 0."""
    env = os.environ if environ is None else environ
    say = echo or _stderr
    document = request.document or load_document(request.file)
    if request.drift and document.plan is None:
        raise WfpromoteError(f"{request.file}: --drift needs a saved plan (plan --out FILE), "
                             "which says whether there are changes",
                             hint="wfpromote plan --out plan.json, then wfpromote comment "
                                  "--drift plan.json")
    try:
        context = resolve(env, request.overrides, need_number=not request.drift)
    except ReadOnlyToken as exc:
        _write_summary(request, document, env, say)
        say(redact(exc.message))
        return 0
    pointer = _pointer(request, context)
    _write_summary(request, document, env, say)
    try:
        outcome = asyncio.run(_post(request, document, context, pointer, clock or RealClock(),
                                    say, transport))
    except ReadOnlyToken as exc:
        say(redact(exc.message))
        return 0
    say(_describe(outcome, request, context))
    return 0


def _stderr(message: str) -> None:
    import click

    click.echo(message, err=True)


def _pointer(request: CommentRequest, context: Context) -> str:
    where = f"this run ({context.run_url})" if context.run_url else "this run"
    summary = "the job summary and " if context.provider == "github" else ""
    return f"see {summary}the {request.artifact} artifact of {where}"


def _fallback(provider: str) -> str:
    return "the job summary" if provider == "github" else "the job's plan artifact"


def _footer(context: Context) -> str:
    parts = [f"wfpromote {__version__}"]
    if context.sha:
        parts.append(f"commit <code>{context.sha[:12]}</code>")
    if context.run_url:
        parts.append(f"[run]({context.run_url.replace(')', '%29').replace(' ', '%20')})")
    return "\n<sub>" + " · ".join(parts) + "</sub>\n"


def compose(request: CommentRequest, document: Document, context: Context, budget: int,
            pointer: str, *, with_marker: bool = True, intro: str = "") -> str:
    """Marker, a refusal (the first thing a reviewer reads), header, the plan fitted into
    what is left of ``budget``, footer."""
    refusal = _refusal(document)
    top = (marker("drift" if request.drift else "plan", request.key) + "\n"
           if with_marker else "") + refusal + header(request.target) + intro
    bottom = _footer(context)
    room = budget - utf8_size(top) - utf8_size(bottom)
    body = document.render(room + utf8_size(refusal), pointer)
    if refusal and refusal in body:  # said once, at the top
        body = body.replace(refusal, "", 1)
    return redact(top + body + bottom)


def _refusal(document: Document) -> str:
    """The safety check's refusal of a saved plan, as the plan's Markdown words it."""
    verdict = document.plan.verdict if document.plan is not None else None
    if verdict is None or not verdict.refused:
        return ""
    from reconciler.output.markdown import escape_html

    return f"> [!CAUTION]\n> **{escape_html(verdict.headline())}**\n\n"


async def _post(request: CommentRequest, document: Document, context: Context, pointer: str,
                clock: Clock, say: Callable[[str], None],
                transport: httpx.AsyncBaseTransport | None) -> Outcome:
    from reconciler.gitops import github, gitlab

    auth = github.headers(context.token) if context.provider == "github" \
        else gitlab.headers(context.token)
    from reconciler.api.trace import event_hooks

    hint = (f"this {request_noun(context.provider)} comes from a fork, whose token is "
            "read-only" if context.fork else "give the token write access to comments")
    # -v / -vv / RUNNER_DEBUG=1: one line per request, then headers and bodies, redacted.
    async with httpx.AsyncClient(headers=auth, timeout=30.0, transport=transport,
                                 follow_redirects=False,
                                 event_hooks=event_hooks(context.api_url)) as client:
        session = ApiSession(client, clock, provider=context.provider,
                             wait_budget=request.wait_budget,
                             notify=lambda m: say(redact(m)),
                             read_only_hint=f"{hint}; not commenting (the plan is in "
                                            f"{_fallback(context.provider)})")
        provider: ReviewProvider
        if context.provider == "github":
            provider = github.GitHubProvider(session, context.api_url, context.repo,
                                             context.number)
        else:
            provider = gitlab.GitLabProvider(session, context.api_url, context.repo,
                                             context.number)
        if request.drift:
            return await _drift(request, document, context, pointer, provider)
        body = compose(request, document, context, provider.max_body_bytes, pointer)
        return await upsert_comment(provider, marker("plan", request.key), body,
                                    request.author)


async def _drift(request: CommentRequest, document: Document, context: Context, pointer: str,
                 provider: ReviewProvider) -> Outcome:
    from reconciler.plan.soak import only_soaking

    assert document.plan is not None
    # An install waiting only for its soak is the files' plan, not drift; once it is due
    # (pending) the issue opens and says so.
    drifted = any(not only_soaking(a.blocked) for a in document.plan.changes)
    intro = ("**Drift:** a scheduled plan found that Workfront no longer matches the files "
             "on the default branch. Review the plan below; merging a fix, or applying, "
             "closes this issue on the next clean run.\n\n")
    body = compose(request, document, context, provider.max_body_bytes, pointer, intro=intro)
    run = f" ({context.run_url})" if context.run_url else ""
    note = (f"No drift: a later scheduled plan{run} found no changes for "
            f"`{request.key}`. Closing (wfpromote).")
    title = f"wfpromote: drift detected for {request.key}"
    return await sync_drift_issue(provider, marker("drift", request.key), request.label,
                                  title, body, drifted, note)


def _describe(outcome: Outcome, request: CommentRequest, context: Context) -> str:
    what = "drift issue" if request.drift else "plan comment"
    where = f": {outcome.url}" if outcome.url else ""
    extra = (f" (removed {outcome.removed} duplicate(s) left by a racing run)"
             if outcome.removed else "")
    text = {"created": f"Created the {what}{where}",
            "updated": f"Updated the {what} in place{where}",
            "unchanged": f"The {what} is already up to date{where}",
            "closed": f"No drift: closed the drift issue{where}",
            "none": "No drift, and no drift issue open"}[outcome.action]
    return redact(text + extra)


def _write_summary(request: CommentRequest, document: Document, env: Mapping[str, str],
                   say: Callable[[str], None]) -> None:
    """Append the plan to ``$GITHUB_STEP_SUMMARY``, keeping the file within 1 MiB. A cut
    plan points to the artifact (not to the summary itself); the footer is the comment's:
    the pull request's head commit and the run."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if request.summary is False or not path:
        return
    try:
        used = os.path.getsize(path) if os.path.exists(path) else 0
    except OSError:
        used = 0
    room = STEP_SUMMARY_LIMIT - used - 1024
    if room < 4096:
        say("The job summary is nearly full (1 MiB); the plan was not added to it.")
        return
    sha, run_url = github_commit_and_run(env)
    hint = f"see the {request.artifact} artifact of this run"
    context = Context("github", "", None, "", "", "", False, sha, run_url)
    text = compose(request, document, context, room, hint, with_marker=False)
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        say(f"Could not write the job summary {path}: {exc.strerror or exc}")
