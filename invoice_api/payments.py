"""
Simulated payments: each invoice is paid `payment_delay` seconds after it arrives.

In a real system a payment provider would report the payment; here a durable timer
stands in for it, so a restarted API still pays (and calls back) every open invoice.
"""

import logging
import time
from collections.abc import Callable

from invoice_api.store import Store
from invoice_api.ticker import Ticker

logger = logging.getLogger(__name__)

BATCH = 100
# Invoices paid within this span are collected in one transaction.
GATHER = 0.005


class PaymentSimulator:
    """
    Marks invoices paid when their time comes and tells whoever sends their callbacks
    to which hosts they go.
    """

    def __init__(
        self,
        store: Store,
        on_paid: Callable[[set[str]], None],
        poll_interval: float,
    ) -> None:
        self._store = store
        self._on_paid = on_paid
        self.ticker = Ticker("payments", self._collect, poll_interval, GATHER)

    async def _collect(self) -> float | None:
        collected = await self._store.collect_payments(time.time(), limit=BATCH)
        for payment in collected.paid:
            logger.info(
                "payment.collected invoice_id=%s webhook_id=%s",
                payment.invoice_id,
                payment.webhook_id,
            )

        hosts = {p.target_host for p in collected.paid if p.target_host is not None}
        if hosts:
            self._on_paid(hosts)
        if len(collected.paid) == BATCH:
            return 0.0
        if collected.next_at is None:
            return None
        return collected.next_at - time.time()
