"""
Request, response and callback schemas of the invoice API.
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

DeliveryStatus = Literal["scheduled", "pending", "delivering", "delivered", "failed"]
InvoiceStatus = Literal["open", "paid"]


class Invoice(BaseModel):
    """
    An invoice to collect; its payment triggers the `invoice.paid` callback.
    """

    id: str = Field(
        min_length=1,
        max_length=64,
        pattern=ID_PATTERN,
        description="Letters, digits, `.`, `_` and `-`; starts with a letter or digit.",
        examples=["invoice123"],
    )
    title: str | None = Field(default=None, max_length=200, examples=["請求書 第1号"])
    customer: str = Field(min_length=1, max_length=200, examples=["山田花子"])
    total: Decimal = Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        allow_inf_nan=False,
        description="Exact amount, at most two decimal places; a number or a string.",
        examples=["12500"],
    )


class InvoiceEvent(BaseModel):
    """
    The body of the callback the API sends when an invoice is paid.
    """

    description: str
    paid: bool


class InvoiceEventReceived(BaseModel):
    """
    What the callback receiver answers once it has the event.
    """

    ok: bool


class CallbackSummary(BaseModel):
    """
    The callback scheduled for an invoice, as it stands.
    """

    webhook_id: str
    target_url: str
    status: DeliveryStatus


class InvoiceAccepted(BaseModel):
    """
    The answer to a new invoice: stored, and its callback (if any) scheduled.
    """

    msg: str = "Invoice received"
    invoice_id: str
    callback: CallbackSummary | None


class Attempt(BaseModel):
    """
    One try at delivering a callback.
    """

    number: int
    started_at: datetime
    duration_ms: float
    status_code: int | None
    error: str | None
    response_excerpt: str | None


class Delivery(CallbackSummary):
    """
    A callback with its delivery history.
    """

    event_type: str
    next_attempt_at: datetime | None
    attempts: list[Attempt]


class InvoiceView(BaseModel):
    """
    A stored invoice, its payment and its callback's delivery state.
    """

    id: str
    title: str | None
    customer: str
    total: Decimal
    status: InvoiceStatus
    created_at: datetime
    paid_at: datetime | None
    callback_url: str | None
    callback: Delivery | None
