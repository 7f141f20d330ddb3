"""
Baseline: the callback awaited inside the request, with a new HTTP client each time.

The first shape people write. A failed callback is logged and the caller still gets 202.
"""

import logging

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

app = FastAPI(title="Baseline: await inline, new client per callback")


@app.post("/invoices/", status_code=status.HTTP_202_ACCEPTED)
async def create_invoice(
    invoice: Invoice, callback_url: str | None = None
) -> InvoiceAccepted:
    """
    Send the callback, then answer.
    """
    if callback_url is not None:
        target = callback_target(callback_url, invoice.id)
        try:
            async with httpx.AsyncClient() as client:
                await client.post(
                    target, content=paid_event(invoice), headers=CALLBACK_HEADERS
                )
        except httpx.HTTPError as exc:
            logger.warning("callback.lost invoice_id=%s error=%r", invoice.id, exc)
    return InvoiceAccepted(invoice_id=invoice.id)
