"""One sticky comment per request and config, and one drift issue per config.

Both are found by their hidden marker on the first line of the body (and, when given, by
the author's login, since anyone can paste a marker). Neither is ever left duplicated: a
run that creates one lists again afterwards, keeps the oldest (lowest id) and deletes or
closes the others, so two runs that raced both end with the same single comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.gitops.provider import Comment, Issue, ReviewProvider


@dataclass(frozen=True)
class Outcome:
    action: str            # "created" | "updated" | "unchanged" | "closed" | "none"
    url: str = ""
    number: int | None = None
    removed: int = 0       # duplicates deleted (comments) or closed (issues)


def _owned(comment: Comment, marker: str, author: str | None) -> bool:
    return comment.body.startswith(marker) and (not author or comment.author == author)


async def upsert_comment(provider: ReviewProvider, marker: str, body: str,
                         author: str | None = None) -> Outcome:
    """Update the request's comment carrying ``marker`` in place, or create it once."""
    mine = [c for c in await provider.list_comments() if _owned(c, marker, author)]
    if mine:
        keep = mine[0]
        removed = 0
        for extra in mine[1:]:
            removed += await provider.delete_comment(extra.id)
        if keep.body == body:
            return Outcome("unchanged", keep.url, keep.id, removed)
        updated = await provider.update_comment(keep.id, body)
        return Outcome("updated", updated.url or keep.url, keep.id, removed)
    created = await provider.create_comment(body)
    # A run that raced us may have created one too: list again, keep the oldest.
    again = {c.id: c for c in await provider.list_comments() if _owned(c, marker, author)}
    again.setdefault(created.id, created)
    ordered = sorted(again.values(), key=lambda c: c.id)
    keep = ordered[0]
    removed = 0
    for extra in ordered[1:]:
        removed += await provider.delete_comment(extra.id)
    if keep.id == created.id:
        return Outcome("created", created.url, created.id, removed)
    updated = await provider.update_comment(keep.id, body)
    return Outcome("updated", updated.url or keep.url, keep.id, removed)


async def sync_drift_issue(provider: ReviewProvider, marker: str, label: str, title: str,
                           body: str, drifted: bool, closing_note: str) -> Outcome:
    """Open or update the one drift issue when ``drifted``; close it when not."""
    mine = [i for i in await provider.list_open_issues(label) if i.body.startswith(marker)]
    if not drifted:
        for issue in mine:
            await provider.close_issue(issue.number, closing_note)
        if not mine:
            return Outcome("none")
        return Outcome("closed", mine[0].url, mine[0].number, len(mine) - 1)
    if not mine:
        created = await provider.create_issue(title, body, label)
        again = {i.number: i for i in await provider.list_open_issues(label)
                 if i.body.startswith(marker)}
        again.setdefault(created.number, created)
        mine = sorted(again.values(), key=lambda i: i.number)
        if mine[0].number == created.number:
            removed = await _close_duplicates(provider, mine)
            return Outcome("created", created.url, created.number, removed)
    keep = mine[0]
    removed = await _close_duplicates(provider, mine)
    if keep.body == body:
        return Outcome("unchanged", keep.url, keep.number, removed)
    updated = await provider.update_issue(keep.number, body)
    return Outcome("updated", updated.url or keep.url, keep.number, removed)


async def _close_duplicates(provider: ReviewProvider, issues: list[Issue]) -> int:
    for issue in issues[1:]:
        await provider.close_issue(issue.number,
                                   f"Closed as a duplicate of #{issues[0].number} (wfpromote).")
    return len(issues) - 1
