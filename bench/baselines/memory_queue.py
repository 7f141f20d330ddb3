"""
Baseline: an in-memory queue drained by 8 sender tasks through one shared client.

Fast and simple, but everything queued is lost when the process stops.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, status

from bench.baselines.invoice import (
    CALLBACK_HEADERS,
    Invoice,
    InvoiceAccepted,
    callback_target,
    paid_event,
)

logger = logging.getLogger(__name__)

SENDERS = 8

Callback = tuple[str, str, bytes]
queue: asyncio.Queue[Callback] = asyncio.Queue()


async def send_callbacks(client: httpx.AsyncClient) -> None:
    """
    Take callbacks off the queue and POST them, one at a time, for ever.
    """
    while True:
        invoice_id, target, body = await queue.get()
        try:
            await client.post(target, content=body, headers=CALLBACK_HEADERS)
        except httpx.HTTPError as exc:
            logger.warning("callback.lost invoice_id=%s error=%r", invoice_id, exc)
        queue.task_done()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """
    Run the senders, with a pool of one connection each, while the server runs.
    """
    limits = httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS)
    async with httpx.AsyncClient(limits=limits) as client:
        senders = [asyncio.create_task(send_callbacks(client)) for _ in range(SENDERS)]
        yield
        for sender in senders:
            sender.cancel()
        await asyncio.gather(*senders, return_exceptions=True)


app = FastAPI(title="Baseline: in-memory queue, 8 senders", lifespan=lifespan)


@app.post("/invoices/", status_code=status.HTTP_202_ACCEPTED)
async def create_invoice(
    invoice: Invoice, callback_url: str | None = None
) -> InvoiceAccepted:
    """
    Queue the callback and answer at once.
    """
    if callback_url is not None:
        target = callback_target(callback_url, invoice.id)
        queue.put_nowait((invoice.id, target, paid_event(invoice)))
    return InvoiceAccepted(invoice_id=invoice.id)
