"""GitHub: pull-request comments are issue comments (REST v3, ``X-GitHub-Api-Version``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from reconciler.budget import COMMENT_BUDGET
from reconciler.gitops.http import ApiSession
from reconciler.gitops.provider import Comment, Issue

API_VERSION = "2022-11-28"


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION, "User-Agent": "wfpromote"}


class GitHubProvider:
    name = "github"
    max_body_bytes = COMMENT_BUDGET

    def __init__(self, session: ApiSession, api_url: str, repository: str,
                 number: int | None) -> None:
        self.session = session
        owner, _, repo = repository.partition("/")
        self.base = f"{api_url.rstrip('/')}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"
        self.number = number

    def _comments_url(self) -> str:
        if self.number is None:
            raise ValueError("no pull request number")
        return f"{self.base}/issues/{self.number}/comments"

    async def list_comments(self) -> list[Comment]:
        items = await self.session.paginate(self._comments_url(), {"per_page": 100})
        return [_comment(item) for item in items if isinstance(item, dict)]

    async def create_comment(self, body: str) -> Comment:
        response = await self.session.request("POST", self._comments_url(), json={"body": body})
        return _comment(response.json())

    async def update_comment(self, comment_id: int, body: str) -> Comment:
        response = await self.session.request(
            "PATCH", f"{self.base}/issues/comments/{comment_id}", json={"body": body})
        return _comment(response.json())

    async def delete_comment(self, comment_id: int) -> bool:
        response = await self.session.request(
            "DELETE", f"{self.base}/issues/comments/{comment_id}", allow=(404,))
        return response.status_code != 404

    async def list_open_issues(self, label: str) -> list[Issue]:
        items = await self.session.paginate(
            f"{self.base}/issues",
            {"labels": label, "state": "open", "per_page": 100, "sort": "created",
             "direction": "asc"})
        return [_issue(item) for item in items
                if isinstance(item, dict) and "pull_request" not in item]

    async def create_issue(self, title: str, body: str, label: str) -> Issue:
        response = await self.session.request(
            "POST", f"{self.base}/issues", json={"title": title, "body": body, "labels": [label]})
        return _issue(response.json())

    async def update_issue(self, number: int, body: str) -> Issue:
        response = await self.session.request(
            "PATCH", f"{self.base}/issues/{number}", json={"body": body})
        return _issue(response.json())

    async def close_issue(self, number: int, note: str) -> None:
        await self.session.request("POST", f"{self.base}/issues/{number}/comments",
                                   json={"body": note})
        await self.session.request("PATCH", f"{self.base}/issues/{number}",
                                   json={"state": "closed", "state_reason": "completed"})


def _comment(item: Any) -> Comment:
    user = item.get("user") or {}
    return Comment(id=int(item["id"]), body=str(item.get("body") or ""),
                   author=str(user.get("login") or ""), url=str(item.get("html_url") or ""))


def _issue(item: Any) -> Issue:
    return Issue(number=int(item["number"]), title=str(item.get("title") or ""),
                 body=str(item.get("body") or ""), url=str(item.get("html_url") or ""))
