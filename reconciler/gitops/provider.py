"""The one interface the sticky-comment and drift-issue logic uses, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from reconciler.errors import WfpromoteError


@dataclass(frozen=True)
class Comment:
    """A comment on a pull request (GitHub issue comment) or merge request (GitLab note)."""

    id: int
    body: str
    author: str = ""
    url: str = ""


@dataclass(frozen=True)
class Issue:
    """An open issue; ``number`` is what the provider's URLs use (GitLab: the IID)."""

    number: int
    title: str
    body: str
    url: str = ""


class ReadOnlyToken(WfpromoteError):
    """The token may read but not write (a pull request from a fork, a read-only token).

    Not a failure of the run: the command prints one line and exits 0."""

    exit_code = 0


class RateLimited(WfpromoteError):
    """The provider kept answering with rate-limit responses beyond the waiting budget."""


class ProviderError(WfpromoteError):
    """Any other refusal: wrong repository or number, bad token, server error."""


class ReviewProvider(Protocol):
    """Comments on one pull/merge request, and issues of its repository/project."""

    name: str            # "github" | "gitlab"
    max_body_bytes: int  # what one comment or issue body may hold, with headroom

    async def list_comments(self) -> list[Comment]:
        """Every comment of the request, oldest first, following pagination."""

    async def create_comment(self, body: str) -> Comment: ...

    async def update_comment(self, comment_id: int, body: str) -> Comment: ...

    async def delete_comment(self, comment_id: int) -> bool:
        """False when it was already gone (a racing run deleted it)."""

    async def list_open_issues(self, label: str) -> list[Issue]:
        """Open issues carrying ``label`` (never pull requests), oldest first."""

    async def create_issue(self, title: str, body: str, label: str) -> Issue: ...

    async def update_issue(self, number: int, body: str) -> Issue: ...

    async def close_issue(self, number: int, note: str) -> None:
        """Leave ``note`` as a comment, then close."""
