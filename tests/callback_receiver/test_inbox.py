"""
Tests of the inbox: stored once per webhook id, newest first, kept across restarts.
"""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from callback_receiver.inbox import Inbox

T = TypeVar("T")
BODY = '{"description": "山田花子", "paid": true}'


def _with_inbox(database: Path, work: Callable[[Inbox], Awaitable[T]]) -> T:
    async def run() -> T:
        inbox = await Inbox.open(f"sqlite+aiosqlite:///{database}")
        try:
            return await work(inbox)
        finally:
            await inbox.close()

    return asyncio.run(run())


async def _add(
    inbox: Inbox, webhook_id: str, invoice_id: str = "inv_1", at: float = 1.0
) -> bool:
    return await inbox.add(
        webhook_id=webhook_id,
        invoice_id=invoice_id,
        webhook_timestamp=1_700_000_000,
        signature="v1,c2ln",
        body=BODY,
        received_at=at,
    )


def test_open_inbox_creates_sqlite_folder(tmp_path: Path) -> None:
    """Opening a SQLite inbox creates the file's missing parent folders."""
    database = tmp_path / "nested" / "data" / "inbox.db"

    stored = _with_inbox(database, lambda inbox: inbox.list())

    assert stored == []
    assert database.is_file()


def test_add_event_stored_exactly(tmp_path: Path) -> None:
    """A new event is stored with its fields and body text exactly as received."""

    async def work(inbox: Inbox) -> tuple[bool, list[object]]:
        return await _add(inbox, "msg_1", at=12.5), list(await inbox.list())

    is_new, stored = _with_inbox(tmp_path / "inbox.db", work)
    event = stored[0]

    assert is_new is True
    assert len(stored) == 1
    assert vars(event) == {
        "webhook_id": "msg_1",
        "invoice_id": "inv_1",
        "webhook_timestamp": 1_700_000_000,
        "signature": "v1,c2ln",
        "body": BODY,
        "received_at": 12.5,
        "duplicates": 0,
    }


def test_add_event_duplicate_counted(tmp_path: Path) -> None:
    """Repeats of a webhook id return False and only raise its duplicate count."""

    async def work(inbox: Inbox) -> tuple[list[bool], int]:
        added = [await _add(inbox, "msg_1", at=at) for at in (1.0, 2.0, 3.0)]
        stored = await inbox.list()
        return added, stored[0].duplicates

    added, duplicates = _with_inbox(tmp_path / "inbox.db", work)

    assert added == [True, False, False]
    assert duplicates == 2


def test_add_event_concurrent_duplicates_stored_once(tmp_path: Path) -> None:
    """Deliveries of one webhook id racing each other store exactly one row."""

    async def work(inbox: Inbox) -> tuple[list[bool], int, int]:
        added = await asyncio.gather(*(_add(inbox, "msg_race") for _ in range(10)))
        stored = await inbox.list()
        return list(added), len(stored), stored[0].duplicates

    added, rows, duplicates = _with_inbox(tmp_path / "inbox.db", work)

    assert sorted(added) == [False] * 9 + [True]
    assert rows == 1
    assert duplicates == 9


def test_list_events_newest_first_and_limited(tmp_path: Path) -> None:
    """Listing is newest first, filters by invoice, and honours the limit."""

    async def work(inbox: Inbox) -> list[list[str]]:
        for webhook_id, invoice_id, at in [("a", "x", 1), ("b", "y", 2), ("c", "x", 3)]:
            await _add(inbox, webhook_id, invoice_id, at)
        queries = [inbox.list(), inbox.list("x"), inbox.list(limit=2)]
        return [[event.webhook_id for event in await query] for query in queries]

    everything, of_x, newest_two = _with_inbox(tmp_path / "inbox.db", work)

    assert everything == ["c", "b", "a"]
    assert of_x == ["c", "a"]
    assert newest_two == ["c", "b"]


def test_add_event_duplicate_after_reopen(tmp_path: Path) -> None:
    """Events survive closing the inbox, so dedupe holds across restarts."""
    database = tmp_path / "inbox.db"

    first = _with_inbox(database, lambda inbox: _add(inbox, "msg_1"))
    second = _with_inbox(database, lambda inbox: _add(inbox, "msg_1"))
    stored = _with_inbox(database, lambda inbox: inbox.list())

    assert (first, second) == (True, False)
    assert [(event.webhook_id, event.duplicates) for event in stored] == [("msg_1", 1)]
