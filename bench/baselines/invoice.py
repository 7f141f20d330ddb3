"""
The invoice every baseline accepts and the callback it sends, as the kit shapes them.
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

CALLBACK_HEADERS = {"content-type": "application/json"}


class Invoice(BaseModel):
    """
    The kit's invoice body: id, optional title, customer and total.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )
    title: str | None = Field(default=None, max_length=200)
    customer: str = Field(min_length=1, max_length=200)
    total: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class InvoiceAccepted(BaseModel):
    """
    The answer to an invoice: accepted, nothing more promised.
    """

    msg: str = "Invoice received"
    invoice_id: str


class InvoiceEvent(BaseModel):
    """
    The callback body, as the kit sends it.
    """

    description: str
    paid: bool


def callback_target(callback_url: str, invoice_id: str) -> str:
    """
    Where the callback of `invoice_id` goes: `{callback_url}/invoices/{invoice_id}`.
    """
    return f"{callback_url.rstrip('/')}/invoices/{invoice_id}"


def paid_event(invoice: Invoice) -> bytes:
    """
    The callback body for a paid invoice, serialised once.
    """
    event = InvoiceEvent(
        description=f"Invoice {invoice.id} paid by {invoice.customer}: {invoice.total}",
        paid=True,
    )
    return event.model_dump_json().encode("utf-8")
