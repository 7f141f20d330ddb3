"""
Read side: invoices and deliveries with every attempt, as the API shows them.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, select, true

from invoice_api.database import Database
from invoice_api.models import Attempt, Delivery, DeliveryStatus, InvoiceView
from invoice_api.tables import attempts, deliveries, invoices

_NEWEST_FIRST = (deliveries.c.updated_at.desc(), deliveries.c.webhook_id.desc())


async def read_invoice(database: Database, invoice_id: str) -> InvoiceView | None:
    """
    Return the invoice `invoice_id` with its callback's history, or None if unknown.
    """
    return await database.run(lambda conn: _invoice(conn, invoice_id))


async def read_deliveries(database: Database, invoice_id: str) -> list[Delivery]:
    """
    Every delivery of one invoice, newest first.
    """
    where = deliveries.c.invoice_id == invoice_id
    return await database.run(lambda conn: _deliveries(conn, where))


async def read_delivery(database: Database, webhook_id: str) -> Delivery | None:
    """
    One delivery by its webhook id, or None.
    """
    where = deliveries.c.webhook_id == webhook_id
    found = await database.run(lambda conn: _deliveries(conn, where))
    return found[0] if found else None


async def list_deliveries(
    database: Database, status: DeliveryStatus | None, limit: int, offset: int
) -> list[Delivery]:
    """
    Deliveries (of one status, or all), most recently changed first, one page.
    """
    where = true() if status is None else deliveries.c.status == status
    return await database.run(lambda conn: _deliveries(conn, where, limit, offset))


def _invoice(conn: Connection, invoice_id: str) -> InvoiceView | None:
    invoice = conn.execute(
        select(invoices).where(invoices.c.id == invoice_id)
    ).one_or_none()
    if invoice is None:
        return None

    found = _deliveries(conn, deliveries.c.invoice_id == invoice_id)
    return InvoiceView(
        **_without(invoice._mapping, "created_at", "paid_at", "pay_at", "total"),
        total=Decimal(invoice.total),
        created_at=_moment(invoice.created_at),
        paid_at=_moment(invoice.paid_at),
        callback=found[0] if found else None,
    )


def _deliveries(
    conn: Connection,
    where: ColumnElement[bool],
    limit: int = 100,
    offset: int = 0,
) -> list[Delivery]:
    query: Select[Any] = (
        select(deliveries)
        .where(where)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
        .offset(offset)
    )
    rows = conn.execute(query).all()
    ids = [row.webhook_id for row in rows]
    tries = conn.execute(
        select(attempts)
        .where(attempts.c.webhook_id.in_(ids))
        .order_by(attempts.c.number)
    ).all()

    by_delivery: defaultdict[str, list[Any]] = defaultdict(list)
    for row in tries:
        by_delivery[row.webhook_id].append(row)
    return [_delivery(row, by_delivery[row.webhook_id]) for row in rows]


def _delivery(delivery: Any, tries: Sequence[Any]) -> Delivery:
    return Delivery(
        **_without(
            delivery._mapping,
            "payload",
            "target_host",
            "attempt_count",
            "lease_until",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ),
        next_attempt_at=_moment(delivery.next_attempt_at),
        lease_expires_at=_moment(delivery.lease_until),
        created_at=_moment(delivery.created_at),
        updated_at=_moment(delivery.updated_at),
        attempts=[
            Attempt(
                **_without(row._mapping, "id", "webhook_id", "started_at"),
                started_at=_moment(row.started_at),
            )
            for row in tries
        ],
    )


def _without(mapping: Any, *keys: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in keys}


def _moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
