"""
The durable state of the API: each state change is one transaction.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    bindparam,
    func,
    insert,
    select,
    update,
)

from invoice_api.database import Batch, Database
from invoice_api.models import CallbackSummary, Invoice
from invoice_api.tables import deliveries, invoices

EVENT_TYPE = "invoice.paid"
# Invoices committed together at most; SQLite allows 32,766 values in one query.
BATCH_LIMIT = 256


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
    An invoice that has just been paid, and its callback and the callback's target
    host if it has one.
    """

    invoice_id: str
    webhook_id: str | None
    target_host: str | None


@dataclass(frozen=True)
class Collection:
    """
    Invoices just paid, and when the next open one will be (None if none is open).
    """

    paid: list[Payment]
    next_at: float | None


class Store:
    """
    Invoices and their callback outbox in one SQL database.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._adds = Batch(database, _add_invoices, limit=BATCH_LIMIT)

    @classmethod
    async def open(cls, url: str) -> "Store":
        """
        Connect to `url` and create the tables that are missing.
        """
        return cls(await Database.open(url))

    async def close(self) -> None:
        """
        Finish queued work and close the connection.
        """
        await self.database.close()

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

        Invoices submitted together are committed together, before any of them is
        answered.
        """
        row = {
            "id": invoice.id,
            "title": invoice.title,
            "customer": invoice.customer,
            "total": str(invoice.total),
            "callback_url": callback_url,
        }
        return await self._adds.submit(_NewInvoice(row, callback, now, pay_at))

    async def collect_payments(self, now: float, limit: int = 500) -> Collection:
        """
        Mark invoices whose payment time has come as paid; make their callbacks due.

        Returns those paid, and when the next open invoice will be.
        """
        return await self.database.run(lambda conn: _collect(conn, now, limit))


@dataclass(frozen=True)
class _NewInvoice:
    row: dict[str, Any]
    callback: NewCallback | None
    now: float
    pay_at: float

    def invoice_row(self) -> dict[str, Any]:
        return {
            **self.row,
            "status": "open",
            "created_at": self.now,
            "pay_at": self.pay_at,
            "paid_at": None,
        }

    def delivery_row(self) -> dict[str, Any] | None:
        if self.callback is None:
            return None
        return {
            **vars(self.callback),
            "invoice_id": self.row["id"],
            "event_type": EVENT_TYPE,
            "status": "scheduled",
            "attempt_count": 0,
            "next_attempt_at": None,
            "lease_until": None,
            "created_at": self.now,
            "updated_at": self.now,
        }


AddResult = CallbackSummary | None | Exception


def _add_invoices(conn: Connection, items: list[_NewInvoice]) -> list[AddResult]:
    """
    Insert the invoices (and callbacks) not stored yet; judge the others as repeats.
    """
    ids = [item.row["id"] for item in items]
    stored = {row.id: row._mapping for row in conn.execute(_STORED, {"ids": ids})}
    fresh: dict[str, _NewInvoice] = {}
    for item in items:
        if item.row["id"] not in stored and item.row["id"] not in fresh:
            fresh[item.row["id"]] = item

    if fresh:
        conn.execute(_ADD_INVOICE, [item.invoice_row() for item in fresh.values()])
        hooks = [row for item in fresh.values() if (row := item.delivery_row())]
        if hooks:
            conn.execute(_ADD_DELIVERY, hooks)

    known = stored | {key: item.row for key, item in fresh.items()}
    summaries = _stored_summaries(conn, set(stored))
    summaries |= {key: _summary_of(item) for key, item in fresh.items()}
    return [
        _summary_of(item)
        if fresh.get(item.row["id"]) is item
        else _repeat(item, known[item.row["id"]], summaries.get(item.row["id"]))
        for item in items
    ]


def _repeat(
    item: _NewInvoice, existing: Any, summary: CallbackSummary | None
) -> AddResult:
    differing = [
        key for key, value in item.row.items() if not _same(key, value, existing)
    ]
    if differing:
        return InvoiceConflictError(item.row["id"], differing)
    return summary


def _same(key: str, value: Any, existing: Any) -> bool:
    if key == "total":
        return Decimal(value) == Decimal(existing["total"])
    return bool(value == existing[key])


def _summary_of(item: _NewInvoice) -> CallbackSummary | None:
    # Just written: no need to read it back.
    if item.callback is None:
        return None
    return CallbackSummary(
        webhook_id=item.callback.webhook_id,
        target_url=item.callback.target_url,
        status="scheduled",
    )


def _stored_summaries(
    conn: Connection, ids: set[str]
) -> dict[str, CallbackSummary | None]:
    if not ids:
        return {}
    return {
        row.invoice_id: CallbackSummary(
            webhook_id=row.webhook_id, target_url=row.target_url, status=row.status
        )
        for row in conn.execute(_SUMMARIES, {"ids": list(ids)})
    }


def _collect(conn: Connection, now: float, limit: int) -> Collection:
    paid = conn.execute(_PAY, {"now": now, "limit": limit}).scalars().all()
    scheduled = conn.execute(_SCHEDULE, {"now": now, "ids": paid})
    hooks = {row.invoice_id: (row.webhook_id, row.target_host) for row in scheduled}

    next_at = conn.execute(_NEXT_PAYMENT).scalar()
    return Collection(
        [
            Payment(invoice_id, *hooks.get(invoice_id, (None, None)))
            for invoice_id in paid
        ],
        next_at,
    )


# Statements built once: SQLAlchemy then reuses their compiled form and cache key.
_IDS: BindParameter[str] = bindparam("ids", expanding=True)
_STORED = select(invoices).where(invoices.c.id.in_(_IDS))
_ADD_INVOICE = insert(invoices)
_ADD_DELIVERY = insert(deliveries)
_SUMMARIES = select(
    deliveries.c.invoice_id,
    deliveries.c.webhook_id,
    deliveries.c.target_url,
    deliveries.c.status,
).where(deliveries.c.invoice_id.in_(_IDS))
_DUE = (
    select(invoices.c.id)
    .where(invoices.c.status == "open", invoices.c.pay_at <= bindparam("now"))
    .order_by(invoices.c.pay_at)
    .limit(bindparam("limit"))
)
_PAY = (
    update(invoices)
    .where(invoices.c.id.in_(_DUE.scalar_subquery()))
    .values(status="paid", paid_at=bindparam("now"))
    .returning(invoices.c.id)
)
_SCHEDULE = (
    update(deliveries)
    .where(deliveries.c.invoice_id.in_(_IDS))
    .values(
        status="pending", next_attempt_at=bindparam("now"), updated_at=bindparam("now")
    )
    .returning(
        deliveries.c.invoice_id, deliveries.c.webhook_id, deliveries.c.target_host
    )
)
_NEXT_PAYMENT = select(func.min(invoices.c.pay_at)).where(invoices.c.status == "open")
