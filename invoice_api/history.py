"""
Read side: an invoice with its callback and every attempt, as the API shows them.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from invoice_api.models import Attempt, Delivery, InvoiceView
from invoice_api.tables import attempts, deliveries, invoices


async def read_invoice(engine: AsyncEngine, invoice_id: str) -> InvoiceView | None:
    """
    Return the invoice `invoice_id` with its delivery history, or None if unknown.
    """
    async with engine.connect() as conn:
        invoice = (
            await conn.execute(select(invoices).where(invoices.c.id == invoice_id))
        ).one_or_none()
        delivery = (
            await conn.execute(
                select(deliveries).where(deliveries.c.invoice_id == invoice_id)
            )
        ).one_or_none()
        tries = (
            await conn.execute(
                select(attempts)
                .where(attempts.c.webhook_id == getattr(delivery, "webhook_id", None))
                .order_by(attempts.c.number)
            )
        ).all()

    if invoice is None:
        return None
    return InvoiceView(
        **_without(invoice._mapping, "created_at", "paid_at", "pay_at", "total"),
        total=Decimal(invoice.total),
        created_at=_moment(invoice.created_at),
        paid_at=_moment(invoice.paid_at),
        callback=None if delivery is None else _delivery(delivery, tries),
    )


def _delivery(delivery: Any, tries: Sequence[Any]) -> Delivery:
    return Delivery(
        webhook_id=delivery.webhook_id,
        target_url=delivery.target_url,
        status=delivery.status,
        event_type=delivery.event_type,
        next_attempt_at=_moment(delivery.next_attempt_at),
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
