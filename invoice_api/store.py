"""
The durable state of the API: each state change is one transaction.
"""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from invoice_api.models import CallbackSummary, Invoice
from invoice_api.tables import deliveries, invoices, metadata

EVENT_TYPE = "invoice.paid"


class InvoiceConflictError(Exception):
    """
    An invoice with this id exists with other data.
    """

    def __init__(self, invoice_id: str, fields: list[str]) -> None:
        super().__init__(
            f"invoice {invoice_id!r} exists with a different {', '.join(fields)}"
        )


@dataclass(frozen=True)
class NewCallback:
    """
    A callback to store with its invoice: the body is serialised once, here.
    """

    webhook_id: str
    target_url: str
    target_host: str
    payload: bytes
    attempts_left: int


@dataclass(frozen=True)
class Payment:
    """
    An invoice that has just been paid, and its callback if it has one.
    """

    invoice_id: str
    webhook_id: str | None


class Store:
    """
    Invoices and their callback outbox in one SQL database.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str) -> "Store":
        """
        Connect to `url` and create the tables that are missing.
        """
        engine = create_async_engine(url)
        if engine.dialect.name == "sqlite":
            _prepare_sqlite(engine, url)

        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        return cls(engine)

    async def close(self) -> None:
        """
        Release every connection.
        """
        await self.engine.dispose()

    async def add_invoice(
        self,
        invoice: Invoice,
        callback_url: str | None,
        callback: NewCallback | None,
        now: float,
        pay_at: float,
    ) -> CallbackSummary | None:
        """
        Store an invoice and its callback together; a same-body repeat changes nothing.
        """
        row = {
            "id": invoice.id,
            "title": invoice.title,
            "customer": invoice.customer,
            "total": str(invoice.total),
            "callback_url": callback_url,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    insert(invoices).values(
                        **row, status="open", created_at=now, pay_at=pay_at
                    )
                )
                if callback is not None:
                    await conn.execute(
                        insert(deliveries).values(
                            **vars(callback),
                            invoice_id=invoice.id,
                            event_type=EVENT_TYPE,
                            status="scheduled",
                            attempt_count=0,
                            created_at=now,
                            updated_at=now,
                        )
                    )
        except IntegrityError:
            return await self._existing_invoice(row)

        # Just written: no need to read it back.
        if callback is None:
            return None
        return CallbackSummary(
            webhook_id=callback.webhook_id,
            target_url=callback.target_url,
            status="scheduled",
        )

    async def _existing_invoice(self, row: dict[str, Any]) -> CallbackSummary | None:
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(select(invoices).where(invoices.c.id == row["id"]))
            ).one()

        differing = [
            key
            for key, value in row.items()
            if (
                Decimal(value) != Decimal(found.total)
                if key == "total"
                else value != getattr(found, key)
            )
        ]
        if differing:
            raise InvoiceConflictError(row["id"], differing)
        return await self.callback_summary(row["id"])

    async def callback_summary(self, invoice_id: str) -> CallbackSummary | None:
        """
        Return the callback of an invoice as it stands, or None if it has none.
        """
        query = select(
            deliveries.c.webhook_id, deliveries.c.target_url, deliveries.c.status
        ).where(deliveries.c.invoice_id == invoice_id)
        async with self.engine.connect() as conn:
            found = (await conn.execute(query)).one_or_none()
        return None if found is None else CallbackSummary(**found._mapping)

    async def collect_payments(self, now: float, limit: int = 500) -> list[Payment]:
        """
        Mark invoices whose payment time has come as paid; make their callbacks due.
        """
        due = (
            select(invoices.c.id)
            .where(invoices.c.status == "open", invoices.c.pay_at <= now)
            .order_by(invoices.c.pay_at)
            .limit(limit)
        )
        async with self.engine.begin() as conn:
            paid = (
                (
                    await conn.execute(
                        update(invoices)
                        .where(invoices.c.id.in_(due.scalar_subquery()))
                        .values(status="paid", paid_at=now)
                        .returning(invoices.c.id)
                    )
                )
                .scalars()
                .all()
            )
            scheduled = await conn.execute(
                update(deliveries)
                .where(deliveries.c.invoice_id.in_(paid))
                .values(status="pending", next_attempt_at=now, updated_at=now)
                .returning(deliveries.c.invoice_id, deliveries.c.webhook_id)
            )
            hooks = {row.invoice_id: row.webhook_id for row in scheduled}
        return [Payment(invoice_id, hooks.get(invoice_id)) for invoice_id in paid]

    async def next_payment_at(self) -> float | None:
        """
        Return when the next open invoice will be paid, or None if none is open.
        """
        query = select(func.min(invoices.c.pay_at)).where(invoices.c.status == "open")
        async with self.engine.connect() as conn:
            next_at: float | None = (await conn.execute(query)).scalar_one_or_none()
        return next_at


def _prepare_sqlite(engine: AsyncEngine, url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
