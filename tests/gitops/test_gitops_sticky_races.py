"""Sticky upserts and drift issues under arbitrary interleavings of racing runs (in memory).

Each provider call yields to the event loop a number of times chosen by hypothesis, so the
runs' list / create / list / delete / update steps interleave in every order it finds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.gitops.provider import Comment, Issue
from reconciler.gitops.sticky import sync_drift_issue, upsert_comment

MARK = "<!-- wfpromote:plan key=wfpromote.yaml -->"
DRIFT = "<!-- wfpromote:drift key=wfpromote.yaml -->"


@dataclass
class Store:
    comments: dict[int, str] = field(default_factory=dict)
    issues: dict[int, tuple[str, bool]] = field(default_factory=dict)  # body, open
    next_id: int = 1


class MemoryProvider:
    name = "memory"
    max_body_bytes = 65_000

    def __init__(self, store: Store, pauses: list[int]) -> None:
        self.store = store
        self.pauses = pauses

    async def _pause(self) -> None:
        for _ in range(self.pauses.pop(0) if self.pauses else 0):
            await asyncio.sleep(0)

    async def list_comments(self) -> list[Comment]:
        await self._pause()
        return [Comment(i, b) for i, b in sorted(self.store.comments.items())]

    async def create_comment(self, body: str) -> Comment:
        await self._pause()
        cid = self.store.next_id
        self.store.next_id += 1
        self.store.comments[cid] = body
        return Comment(cid, body)

    async def update_comment(self, comment_id: int, body: str) -> Comment:
        await self._pause()
        if comment_id in self.store.comments:
            self.store.comments[comment_id] = body
        return Comment(comment_id, body)

    async def delete_comment(self, comment_id: int) -> bool:
        await self._pause()
        return self.store.comments.pop(comment_id, None) is not None

    async def list_open_issues(self, label: str) -> list[Issue]:
        await self._pause()
        return [Issue(n, "t", b) for n, (b, is_open) in sorted(self.store.issues.items())
                if is_open]

    async def create_issue(self, title: str, body: str, label: str) -> Issue:
        await self._pause()
        number = self.store.next_id
        self.store.next_id += 1
        self.store.issues[number] = (body, True)
        return Issue(number, title, body)

    async def update_issue(self, number: int, body: str) -> Issue:
        await self._pause()
        self.store.issues[number] = (body, self.store.issues[number][1])
        return Issue(number, "t", body)

    async def close_issue(self, number: int, note: str) -> None:
        await self._pause()
        self.store.issues[number] = (self.store.issues[number][0], False)


PAUSES = st.lists(st.integers(min_value=0, max_value=4), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(PAUSES, min_size=2, max_size=4), st.integers(min_value=0, max_value=2))
def test_racing_upserts_leave_exactly_one_comment(pauses: list[list[int]],
                                                  existing: int) -> None:
    store = Store()
    for _ in range(existing):
        store.comments[store.next_id] = MARK + "\nold"
        store.next_id += 1
    store.comments[store.next_id] = "a human comment"
    store.next_id += 1

    async def race() -> None:
        await asyncio.gather(*(upsert_comment(MemoryProvider(store, list(p)), MARK,
                                              f"{MARK}\nrun {i}")
                               for i, p in enumerate(pauses)))

    asyncio.run(race())
    ours = [b for b in store.comments.values() if b.startswith(MARK)]
    assert len(ours) == 1
    assert ours[0] in {f"{MARK}\nrun {i}" for i in range(len(pauses))}
    assert "a human comment" in store.comments.values()


@settings(max_examples=100, deadline=None)
@given(st.lists(PAUSES, min_size=2, max_size=3))
def test_racing_drift_runs_leave_at_most_one_open_issue(pauses: list[list[int]]) -> None:
    store = Store()

    async def race() -> None:
        await asyncio.gather(*(sync_drift_issue(MemoryProvider(store, list(p)), DRIFT,
                                                "wfpromote-drift", "t", f"{DRIFT}\n{i}", True,
                                                "closing")
                               for i, p in enumerate(pauses)))

    asyncio.run(race())
    assert len([1 for _, is_open in store.issues.values() if is_open]) == 1
    asyncio.run(sync_drift_issue(MemoryProvider(store, []), DRIFT, "wfpromote-drift", "t",
                                 DRIFT, False, "closing"))
    assert not any(is_open for _, is_open in store.issues.values())
