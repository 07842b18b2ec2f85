"""GitLab: merge-request notes and project issues (REST v4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from reconciler.budget import COMMENT_BUDGET
from reconciler.gitops.http import ApiSession
from reconciler.gitops.provider import Comment, Issue


def headers(token: str) -> dict[str, str]:
    return {"PRIVATE-TOKEN": token, "User-Agent": "wfpromote"}


class GitLabProvider:
    name = "gitlab"
    max_body_bytes = COMMENT_BUDGET

    def __init__(self, session: ApiSession, api_url: str, project: str,
                 number: int | None) -> None:
        self.session = session
        self.base = f"{api_url.rstrip('/')}/projects/{quote(project, safe='')}"
        self.number = number

    def _notes_url(self) -> str:
        if self.number is None:
            raise ValueError("no merge request IID")
        return f"{self.base}/merge_requests/{self.number}/notes"

    async def list_comments(self) -> list[Comment]:
        items = await self.session.paginate(
            self._notes_url(), {"per_page": 100, "sort": "asc", "order_by": "created_at"})
        return [_note(item) for item in items
                if isinstance(item, dict) and not item.get("system")]

    async def create_comment(self, body: str) -> Comment:
        response = await self.session.request("POST", self._notes_url(), json={"body": body})
        return _note(response.json())

    async def update_comment(self, comment_id: int, body: str) -> Comment:
        response = await self.session.request(
            "PUT", f"{self._notes_url()}/{comment_id}", json={"body": body})
        return _note(response.json())

    async def delete_comment(self, comment_id: int) -> bool:
        response = await self.session.request(
            "DELETE", f"{self._notes_url()}/{comment_id}", allow=(404,))
        return response.status_code != 404

    async def list_open_issues(self, label: str) -> list[Issue]:
        items = await self.session.paginate(
            f"{self.base}/issues",
            {"labels": label, "state": "opened", "per_page": 100, "sort": "asc",
             "order_by": "created_at"})
        return [_issue(item) for item in items if isinstance(item, dict)]

    async def create_issue(self, title: str, body: str, label: str) -> Issue:
        response = await self.session.request(
            "POST", f"{self.base}/issues",
            json={"title": title, "description": body, "labels": label})
        return _issue(response.json())

    async def update_issue(self, number: int, body: str) -> Issue:
        response = await self.session.request(
            "PUT", f"{self.base}/issues/{number}", json={"description": body})
        return _issue(response.json())

    async def close_issue(self, number: int, note: str) -> None:
        await self.session.request("POST", f"{self.base}/issues/{number}/notes",
                                   json={"body": note})
        await self.session.request("PUT", f"{self.base}/issues/{number}",
                                   json={"state_event": "close"})


def _note(item: Any) -> Comment:
    author = item.get("author") or {}
    return Comment(id=int(item["id"]), body=str(item.get("body") or ""),
                   author=str(author.get("username") or ""))


def _issue(item: Any) -> Issue:
    return Issue(number=int(item["iid"]), title=str(item.get("title") or ""),
                 body=str(item.get("description") or ""), url=str(item.get("web_url") or ""))
