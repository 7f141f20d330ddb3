"""
The API's one database connection, and batches of writes.

One transaction at a time, so SQLite never contends with itself for its write lock.
SQLite, a local file, is used from the event loop: a batch's transaction takes a
fraction of a millisecond, less than handing it to a thread and back costs while the
loop is busy. A database across the network is used from a thread of its own, so the
loop never waits on a round trip. Writes that arrive while one is being written go
together in the next transaction: one commit for many invoices or attempts.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from invoice_api.tables import metadata

T = TypeVar("T")
R = TypeVar("R")


class Database:
    """
    One connection; `run` runs a transaction on it, in the loop or in its thread.

    `in_thread` defaults to True for every database but SQLite.
    """

    def __init__(self, url: str, in_thread: bool | None = None) -> None:
        self._engine = create_engine(url, poolclass=StaticPool)
        is_sqlite = self._engine.dialect.name == "sqlite"
        if is_sqlite:
            _prepare_sqlite(self._engine, url)

        use_thread = not is_sqlite if in_thread is None else in_thread
        self._thread = (
            ThreadPoolExecutor(1, thread_name_prefix="database") if use_thread else None
        )
        self._connection: Connection | None = None

    @classmethod
    async def open(cls, url: str, in_thread: bool | None = None) -> "Database":
        """
        Connect to `url` and create the tables that are missing.
        """
        database = cls(url, in_thread)
        await database.run(lambda conn: metadata.create_all(conn))
        return database

    async def run(self, work: Callable[[Connection], R]) -> R:
        """
        Run `work` in one transaction; return what it returns.
        """
        if self._thread is None:
            return self._transaction(work)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._transaction, work)

    async def close(self) -> None:
        """
        Finish queued work, then close the connection.
        """
        if self._thread is None:
            self._close()
            return
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown()

    def _transaction(self, work: Callable[[Connection], R]) -> R:
        if self._connection is None:
            self._connection = self._engine.connect()
        with self._connection.begin():
            return work(self._connection)

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._engine.dispose()


class Batch(Generic[T, R]):
    """
    Items submitted while a batch is being written wait and go together in the next;
    the first of a batch waits `linger` s for company.

    `work` gets the items and returns one result, or one exception, per item. If the
    whole transaction fails, each item is tried again alone, so that one bad item
    fails only itself.
    """

    def __init__(
        self,
        database: Database,
        work: Callable[[Connection, list[T]], list[R | Exception]],
        limit: int,
        linger: float = 0.0,
    ) -> None:
        self._database = database
        self._work = work
        self._limit = limit
        self._linger = linger
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """
        Write `item` with the next batch; return its result or raise its exception.
        """
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        try:
            if self._linger:
                await asyncio.sleep(self._linger)
            while self._queue:
                batch = self._queue[: self._limit]
                del self._queue[: self._limit]
                await self._write(batch)
        finally:
            self._writer = None

    async def _write(self, batch: list[tuple[T, "asyncio.Future[R]"]]) -> None:
        items = [item for item, _ in batch]
        try:
            results = await self._database.run(lambda conn: self._work(conn, items))
        except Exception as exc:
            if len(batch) > 1:
                for one in batch:
                    await self._write([one])
                return
            results = [exc]

        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


def _prepare_sqlite(engine: Any, url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the driver, starts transactions (see "begin" below).
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "busy_timeout=10000", "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Take the write lock at the start, so that another process writing to the
        # same file makes this one wait instead of failing halfway.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
