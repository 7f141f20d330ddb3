"""
The callback contract, for the OpenAPI document only: this router is never served.
"""

from typing import Annotated

from fastapi import APIRouter, Header

from invoice_api.models import InvoiceEvent, InvoiceEventReceived

CALLBACK_PATH = "{$request.query.callback_url}/invoices/{$request.body#/id}"

invoice_callback_router = APIRouter()


@invoice_callback_router.post(
    CALLBACK_PATH,
    response_model=InvoiceEventReceived,
    summary="Invoice paid",
    operation_id="invoice_paid",
    responses={
        401: {"description": "The signature did not verify; the API tries again."},
    },
)
def invoice_paid(
    body: InvoiceEvent,
    webhook_id: Annotated[
        str,
        Header(description="Same for every attempt of one event; deduplicate on it."),
    ],
    webhook_timestamp: Annotated[
        int, Header(description="Seconds since the epoch when this attempt was signed.")
    ],
    webhook_signature: Annotated[
        str,
        Header(
            description="Space-separated `v1,<base64 HMAC-SHA256>` of "
            "`{webhook-id}.{webhook-timestamp}.{raw body}`."
        ),
    ],
) -> InvoiceEventReceived:
    """
    Once the invoice is paid, the API POSTs this event to your callback URL.

    Verify the Standard Webhooks signature over the raw body, answer any 2xx quickly
    (the API retries anything else with backoff), and ignore repeats of a `webhook-id`.
    """
    raise NotImplementedError
