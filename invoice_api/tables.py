"""
The API's tables: invoices, their callback deliveries, and every delivery attempt.

Times are seconds since the epoch (UTC) so that due-time comparisons are plain numbers
on every database.
"""

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text),
    Column("customer", Text, nullable=False),
    Column("total", String(32), nullable=False),
    Column("callback_url", Text),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("pay_at", Float, nullable=False),
    Column("paid_at", Float),
)
Index("ix_invoices_due", invoices.c.status, invoices.c.pay_at)

deliveries = Table(
    "deliveries",
    metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, unique=True),
    Column("event_type", String(64), nullable=False),
    Column("target_url", Text, nullable=False),
    # host:port of the target, so that one slow host can be held to its share.
    Column("target_host", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt_count", Integer, nullable=False),
    Column("attempts_left", Integer, nullable=False),
    Column("next_attempt_at", Float),
    Column("lease_until", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_deliveries_listing", deliveries.c.status, deliveries.c.updated_at)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", ForeignKey("deliveries.webhook_id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("response_excerpt", Text),
)
Index("ix_attempts_webhook", attempts.c.webhook_id)
