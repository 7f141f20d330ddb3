"""
The callback outbox: claim due deliveries under a lease, record attempts, redeliver.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)

from invoice_api.database import Batch, Database
from invoice_api.tables import attempts, deliveries

_PENDING = deliveries.c.status == "pending"
_DELIVERING = deliveries.c.status == "delivering"
# A pending delivery may be hurried too: its next attempt is then due at once.
REDELIVERABLE = ("delivered", "failed", "pending")
# Attempts recorded together at most, and how long the first waits for others.
RECORD_BATCH = 256
RECORD_LINGER = 0.005


class DeliveryNotFoundError(LookupError):
    """
    No delivery has this webhook id.
    """

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"no delivery with webhook id {webhook_id!r}")


class DeliveryBusyError(Exception):
    """
    The delivery is not finished, so it cannot be sent again yet.
    """

    def __init__(self, webhook_id: str, status: str) -> None:
        super().__init__(
            f"delivery {webhook_id!r} is {status}; only a delivered, failed or "
            "pending delivery can be redelivered"
        )


@dataclass(frozen=True)
class Claim:
    """
    A delivery this process holds until `lease_until`, ready to send.
    """

    webhook_id: str
    invoice_id: str
    target_url: str
    target_host: str
    payload: bytes
    number: int
    attempts_left: int
    lease_until: float


@dataclass(frozen=True)
class Claimed:
    """
    Deliveries just claimed, and when the next unclaimed one falls due (None: none).
    """

    claims: list[Claim]
    next_due_at: float | None


@dataclass(frozen=True)
class AttemptRecord:
    """
    What one attempt did, for the attempt log.
    """

    started_at: float
    duration_ms: float
    status_code: int | None
    error: str | None
    response_excerpt: str | None


@dataclass(frozen=True)
class _Result:
    claim: Claim
    attempt: AttemptRecord
    status: str
    next_attempt_at: float | None


class Outbox:
    """
    Deliveries waiting to be sent; safe to share between processes.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._results = Batch(
            database, _record_all, limit=RECORD_BATCH, linger=RECORD_LINGER
        )

    async def claim_due(
        self, now: float, limit: int, lease: float, busy_hosts: Collection[str] = ()
    ) -> Claimed:
        """
        Take up to `limit` due deliveries (or ones whose lease ran out) for `lease` s,
        leaving alone the hosts in `busy_hosts`; tell when the next one falls due.
        """
        values = {
            "now": now,
            "limit": limit,
            "busy": list(busy_hosts),
            "lease_until": now + lease,
        }
        rows, next_at = await self._database.run(
            lambda conn: (conn.execute(_CLAIM, values).all(), _next_due_at(conn))
        )

        claims = [
            Claim(
                **{k: v for k, v in row._mapping.items() if k != "attempt_count"},
                number=row.attempt_count + 1,
            )
            for row in rows
        ]
        return Claimed(claims, next_at)

    async def record(
        self,
        claim: Claim,
        attempt: AttemptRecord,
        status: str,
        next_attempt_at: float | None,
    ) -> bool:
        """
        Log an attempt and move its delivery to `status`, in one transaction.

        Returns False (and changes nothing) if the lease was lost meanwhile.
        """
        return await self._results.submit(
            _Result(claim, attempt, status, next_attempt_at)
        )

    async def release(self, claims: Sequence[Claim], now: float) -> None:
        """
        Give back claims that were never sent (or cut short), due again at once.
        """

        def work(conn: Connection) -> None:
            for claim in claims:
                conn.execute(
                    update(deliveries)
                    .where(_held_by(claim))
                    .values(status="pending", lease_until=None, next_attempt_at=now)
                )

        await self._database.run(work)

    async def redeliver(self, webhook_id: str, attempts: int, now: float) -> None:
        """
        Make a delivered, failed or pending delivery due now: same id and body.
        """
        await self._database.run(
            lambda conn: _redeliver(conn, webhook_id, attempts, now)
        )


def _next_due_at(conn: Connection) -> float | None:
    times = [conn.execute(_NEXT_PENDING).scalar(), conn.execute(_NEXT_LEASE).scalar()]
    return min((moment for moment in times if moment is not None), default=None)


def _record_all(conn: Connection, results: list[_Result]) -> list[bool | Exception]:
    """
    Move each delivery on, unless its lease was lost; log the attempts that counted.

    One statement of each kind for the whole batch.
    """
    held = conn.execute(_HELD, {"ids": [r.claim.webhook_id for r in results]})
    leases = {row.webhook_id: row.lease_until for row in held}
    kept = [leases.get(r.claim.webhook_id) == r.claim.lease_until for r in results]
    moving = [result for result, ok in zip(results, kept, strict=True) if ok]

    if moving:
        conn.execute(_MOVE, [_move_parameters(result) for result in moving])
        conn.execute(insert(attempts), [_attempt_row(result) for result in moving])
    return list(kept)


_MOVE = (
    update(deliveries)
    .where(deliveries.c.webhook_id == bindparam("b_webhook_id"))
    .values(
        status=bindparam("b_status"),
        attempt_count=bindparam("b_number"),
        attempts_left=bindparam("b_attempts_left"),
        next_attempt_at=bindparam("b_next_attempt_at"),
        lease_until=None,
        updated_at=bindparam("b_updated_at"),
    )
)


def _move_parameters(result: _Result) -> dict[str, Any]:
    attempt, claim = result.attempt, result.claim
    return {
        "b_webhook_id": claim.webhook_id,
        "b_status": result.status,
        "b_number": claim.number,
        "b_attempts_left": claim.attempts_left - 1,
        "b_next_attempt_at": result.next_attempt_at,
        "b_updated_at": attempt.started_at + attempt.duration_ms / 1000,
    }


def _attempt_row(result: _Result) -> dict[str, Any]:
    return {
        "webhook_id": result.claim.webhook_id,
        "number": result.claim.number,
        **vars(result.attempt),
    }


def _redeliver(conn: Connection, webhook_id: str, attempts: int, now: float) -> None:
    status = conn.execute(
        select(deliveries.c.status).where(deliveries.c.webhook_id == webhook_id)
    ).scalar_one_or_none()
    if status is None:
        raise DeliveryNotFoundError(webhook_id)
    if status not in REDELIVERABLE:
        raise DeliveryBusyError(webhook_id, status)

    conn.execute(
        update(deliveries)
        .where(deliveries.c.webhook_id == webhook_id)
        .values(
            status="pending",
            attempts_left=attempts,
            next_attempt_at=now,
            updated_at=now,
        )
    )


_CLAIMED = (
    deliveries.c.webhook_id,
    deliveries.c.invoice_id,
    deliveries.c.target_url,
    deliveries.c.target_host,
    deliveries.c.payload,
    deliveries.c.attempt_count,
    deliveries.c.attempts_left,
    deliveries.c.lease_until,
)


def _held_by(claim: Claim) -> ColumnElement[bool]:
    # The lease time doubles as a token: a reclaimed delivery has a new one.
    return and_(
        deliveries.c.webhook_id == claim.webhook_id,
        _DELIVERING,
        deliveries.c.lease_until == claim.lease_until,
    )


# Statements built once: SQLAlchemy then reuses their compiled form and cache key.
_DUE = (
    select(deliveries.c.webhook_id)
    .where(
        or_(
            and_(_PENDING, deliveries.c.next_attempt_at <= bindparam("now")),
            and_(_DELIVERING, deliveries.c.lease_until <= bindparam("now")),
        ),
        deliveries.c.target_host.not_in(bindparam("busy", expanding=True)),
    )
    .order_by(deliveries.c.next_attempt_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(deliveries)
    .where(deliveries.c.webhook_id.in_(_DUE.scalar_subquery()))
    .values(
        status="delivering",
        lease_until=bindparam("lease_until"),
        updated_at=bindparam("now"),
    )
    .returning(*_CLAIMED)
)
_NEXT_PENDING = select(func.min(deliveries.c.next_attempt_at)).where(_PENDING)
_NEXT_LEASE = select(func.min(deliveries.c.lease_until)).where(_DELIVERING)
_HELD = select(deliveries.c.webhook_id, deliveries.c.lease_until).where(
    deliveries.c.webhook_id.in_(bindparam("ids", expanding=True)), _DELIVERING
)
