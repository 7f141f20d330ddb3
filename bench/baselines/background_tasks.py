"""
Baseline: one FastAPI background task per callback, through one shared HTTP client.

The second shape people write. httpx's default pool (100 connections, 5 s pool timeout)
is kept; a failed callback is logged and forgotten.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import BackgroundTasks, FastAPI, status

from bench.baselines.invoice import (
    CALLBACK_HEADERS,
    Invoice,
    InvoiceAccepted,
    callback_target,
    paid_event,
)

logger = logging.getLogger(__name__)

client = httpx.AsyncClient()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """
    Close the shared client when the server stops.
    """
    yield
    await client.aclose()


app = FastAPI(title="Baseline: BackgroundTasks, shared client", lifespan=lifespan)


async def send_callback(invoice_id: str, target: str, body: bytes) -> None:
    """
    POST one callback; log it if it fails.
    """
    try:
        await client.post(target, content=body, headers=CALLBACK_HEADERS)
    except httpx.HTTPError as exc:
        logger.warning("callback.lost invoice_id=%s error=%r", invoice_id, exc)


@app.post("/invoices/", status_code=status.HTTP_202_ACCEPTED)
async def create_invoice(
    invoice: Invoice, tasks: BackgroundTasks, callback_url: str | None = None
) -> InvoiceAccepted:
    """
    Answer at once; the callback is sent after the answer.
    """
    if callback_url is not None:
        target = callback_target(callback_url, invoice.id)
        tasks.add_task(send_callback, invoice.id, target, paid_event(invoice))
    return InvoiceAccepted(invoice_id=invoice.id)
