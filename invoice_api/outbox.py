"""
The callback outbox: claim due deliveries under a lease, record each attempt.
"""

from collections.abc import Sequence

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from invoice_api.store import AttemptRecord, Claim
from invoice_api.tables import attempts, deliveries

_PENDING_DUE = deliveries.c.status == "pending"
_DELIVERING = deliveries.c.status == "delivering"


class Outbox:
    """
    Deliveries waiting to be sent; safe to share between processes.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim_due(self, now: float, limit: int, lease: float) -> list[Claim]:
        """
        Take up to `limit` due deliveries (or ones whose lease ran out) for `lease` s.
        """
        due = (
            select(deliveries.c.webhook_id)
            .where(
                or_(
                    and_(_PENDING_DUE, deliveries.c.next_attempt_at <= now),
                    and_(_DELIVERING, deliveries.c.lease_until <= now),
                )
            )
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(deliveries)
            .where(deliveries.c.webhook_id.in_(due.scalar_subquery()))
            .values(status="delivering", lease_until=now + lease)
            .returning(
                deliveries.c.webhook_id,
                deliveries.c.invoice_id,
                deliveries.c.target_url,
                deliveries.c.payload,
                deliveries.c.attempt_count,
            )
        )
        async with self._engine.begin() as conn:
            rows = (await conn.execute(claim)).all()

        return [
            Claim(
                row.webhook_id,
                row.invoice_id,
                row.target_url,
                row.payload,
                number=row.attempt_count + 1,
            )
            for row in rows
        ]

    async def record(
        self,
        claim: Claim,
        attempt: AttemptRecord,
        status: str,
        next_attempt_at: float | None,
    ) -> None:
        """
        Log an attempt and move its delivery to `status`, in one transaction.
        """
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(attempts).values(
                    webhook_id=claim.webhook_id,
                    number=claim.number,
                    **vars(attempt),
                )
            )
            await conn.execute(
                update(deliveries)
                .where(deliveries.c.webhook_id == claim.webhook_id)
                .values(
                    status=status,
                    attempt_count=claim.number,
                    next_attempt_at=next_attempt_at,
                    lease_until=None,
                )
            )

    async def release(self, claims: Sequence[Claim]) -> None:
        """
        Give back claims that were never sent, so they are due again at once.
        """
        ids = [claim.webhook_id for claim in claims]
        async with self._engine.begin() as conn:
            await conn.execute(
                update(deliveries)
                .where(deliveries.c.webhook_id.in_(ids), _DELIVERING)
                .values(status="pending", lease_until=None)
            )

    async def next_due_at(self) -> float | None:
        """
        Return the earliest time a delivery becomes due, or None if none waits.
        """
        pending = select(func.min(deliveries.c.next_attempt_at)).where(_PENDING_DUE)
        leased = select(func.min(deliveries.c.lease_until)).where(_DELIVERING)
        async with self._engine.connect() as conn:
            times = [
                (await conn.execute(pending)).scalar_one_or_none(),
                (await conn.execute(leased)).scalar_one_or_none(),
            ]
        known = [moment for moment in times if moment is not None]
        return min(known, default=None)
