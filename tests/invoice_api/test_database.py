"""
The database wrapper: transactions in the loop or in a thread, and batched writes.
"""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from invoice_api.database import Batch, Database

MODES = [pytest.param(False, id="in-loop"), pytest.param(True, id="in-thread")]


Body = Callable[[Database], Awaitable[None]]


@pytest.fixture(params=MODES)
def with_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[Body], None]:
    """
    Run a test body against a fresh SQLite database with one scratch table, used in
    the loop or in a thread.
    """

    async def run(body: Body) -> None:
        database = await Database.open(f"sqlite:///{tmp_path / 'db'}", request.param)
        create = text("CREATE TABLE notes (body TEXT)")
        await database.run(lambda conn: conn.execute(create))
        try:
            await body(database)
        finally:
            await database.close()

    return lambda body: asyncio.run(run(body))


def _add_all(conn: Connection, items: list[str]) -> list[int | Exception]:
    conn.execute(text("INSERT INTO notes VALUES (:body)"), [{"body": i} for i in items])
    if "bad" in items:
        raise ValueError("bad item")
    return [len(items)] * len(items)


def _count(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM notes")).scalar_one())


def test_run_transaction_rolled_back_on_error(
    with_database: Callable[[Body], None],
) -> None:
    """A transaction that raises leaves nothing behind."""

    async def body(database: Database) -> None:
        def fail(conn: Connection) -> None:
            conn.execute(text("INSERT INTO notes VALUES ('lost')"))
            raise RuntimeError("midway")

        with pytest.raises(RuntimeError, match="midway"):
            await database.run(fail)
        assert await database.run(_count) == 0

    with_database(body)


def test_submit_batch_items_together(with_database: Callable[[Body], None]) -> None:
    """Items submitted in one turn of the loop are written in one transaction."""

    async def body(database: Database) -> None:
        batch = Batch(database, _add_all, limit=10)

        sizes = await asyncio.gather(*(batch.submit(f"note {n}") for n in range(5)))

        assert sizes == [5] * 5
        assert await database.run(_count) == 5

    with_database(body)


def test_submit_bad_item_fails_alone(with_database: Callable[[Body], None]) -> None:
    """A failing batch is retried item by item: only the bad item fails."""

    async def body(database: Database) -> None:
        batch = Batch(database, _add_all, limit=10)

        results = await asyncio.gather(
            batch.submit("good"), batch.submit("bad"), return_exceptions=True
        )

        assert results[0] == 1
        assert isinstance(results[1], ValueError)
        assert await database.run(_count) == 1

    with_database(body)


def test_submit_batch_limit_splits(with_database: Callable[[Body], None]) -> None:
    """No transaction takes more than `limit` items."""

    async def body(database: Database) -> None:
        batch = Batch(database, _add_all, limit=2)

        sizes = await asyncio.gather(*(batch.submit(f"note {n}") for n in range(5)))

        assert sorted(sizes) == [1, 2, 2, 2, 2]

    with_database(body)


def test_submit_linger_gathers_later_items(
    with_database: Callable[[Body], None],
) -> None:
    """With a linger, an item submitted a few loop turns later joins the batch."""

    async def body(database: Database) -> None:
        batch = Batch(database, _add_all, limit=10, linger=0.5)

        first = asyncio.create_task(batch.submit("early"))
        for _ in range(5):
            await asyncio.sleep(0)
        sizes = await asyncio.gather(first, batch.submit("late"))

        assert list(sizes) == [2, 2]

    with_database(body)
