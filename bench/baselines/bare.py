"""
Baseline: a bare endpoint that accepts the invoice and does nothing else.

It parses the same body and query as the kit, so it is the reference for every ratio.
"""

from fastapi import FastAPI, status

from bench.baselines.invoice import Invoice, InvoiceAccepted

app = FastAPI(title="Baseline: bare endpoint")


@app.post("/invoices/", status_code=status.HTTP_202_ACCEPTED)
async def create_invoice(
    invoice: Invoice, callback_url: str | None = None
) -> InvoiceAccepted:
    """
    Accept the invoice; `callback_url` is read and ignored.
    """
    return InvoiceAccepted(invoice_id=invoice.id)
