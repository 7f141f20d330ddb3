"""
The inbox: verified callbacks stored once per webhook id, through SQLAlchemy (async).
"""

import builtins
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

metadata = MetaData()
events = Table(
    "events",
    metadata,
    Column("webhook_id", String, primary_key=True),
    Column("invoice_id", String, nullable=False),
    Column("webhook_timestamp", Integer, nullable=False),
    Column("signature", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("duplicates", Integer, nullable=False, default=0),
    Index("ix_events_invoice_received", "invoice_id", "received_at"),
    Index("ix_events_received", "received_at"),
)


@dataclass(frozen=True)
class StoredEvent:
    """
    One verified callback as the inbox keeps it; `body` is the JSON text received.
    """

    webhook_id: str
    invoice_id: str
    webhook_timestamp: int
    signature: str
    body: str
    received_at: float
    duplicates: int


class Inbox:
    """
    Verified callbacks in one database, deduplicated on their webhook id.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, database_url: str) -> "Inbox":
        """
        Connect to `database_url`, creating the SQLite folder and the table if needed.
        """
        _create_sqlite_folder(database_url)
        engine = create_async_engine(database_url)

        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

        return cls(engine)

    @property
    def backend(self) -> str:
        """
        The kind of database the inbox is kept in, such as sqlite.
        """
        return self._engine.dialect.name

    async def close(self) -> None:
        """
        Release every pooled connection.
        """
        await self._engine.dispose()

    async def add(
        self,
        *,
        webhook_id: str,
        invoice_id: str,
        webhook_timestamp: int,
        signature: str,
        body: str,
        received_at: float | None = None,
    ) -> bool:
        """
        Store a callback once per webhook id; on a repeat, count it and return False.
        """
        row = {
            "webhook_id": webhook_id,
            "invoice_id": invoice_id,
            "webhook_timestamp": webhook_timestamp,
            "signature": signature,
            "body": body,
            "received_at": time.time() if received_at is None else received_at,
            "duplicates": 0,
        }

        async with self._engine.begin() as connection:
            if await _insert_new(connection, row):
                return True
            await _count_duplicate(connection, webhook_id)

        return False

    async def list(
        self, invoice_id: str | None = None, limit: int = 50
    ) -> builtins.list[StoredEvent]:
        """
        Return up to `limit` stored callbacks, newest first, of one invoice or all.
        """
        query = select(events).order_by(
            events.c.received_at.desc(), events.c.webhook_id.desc()
        )
        if invoice_id is not None:
            query = query.where(events.c.invoice_id == invoice_id)

        async with self._engine.connect() as connection:
            result = await connection.execute(query.limit(limit))

        return [StoredEvent(**row) for row in result.mappings()]


async def _insert_new(connection: AsyncConnection, row: dict[str, object]) -> bool:
    # ON CONFLICT DO NOTHING settles concurrent deliveries inside the database.
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(events).values(row).on_conflict_do_nothing()

    result = await connection.execute(statement)
    return result.rowcount == 1


async def _count_duplicate(connection: AsyncConnection, webhook_id: str) -> None:
    statement = (
        update(events)
        .where(events.c.webhook_id == webhook_id)
        .values(duplicates=events.c.duplicates + 1)
    )
    await connection.execute(statement)


def _create_sqlite_folder(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return

    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
