"""
Request, response and callback schemas of the invoice API.
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# Text without C0/C1 control characters (line breaks, NUL, ANSI escapes).
NO_CONTROLS = r"^[^\x00-\x1f\x7f-\x9f]*$"
PLAIN_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
# What the validators below accept, stated for OpenAPI (pydantic's own is wider).
TOTAL_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "number",
            "minimum": 0,
            "maximum": 999999999999.99,
            "multipleOf": 0.01,
        },
        {"type": "string", "pattern": f"^{PLAIN_DECIMAL.pattern}$"},
    ],
}


def _refuse_surrogates(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text, without lone surrogates") from exc
    return value


def _check_plain_decimal(value: Any) -> Any:
    # Decimal() alone would take "1_000", "1E+2" and full-width digits.
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value):
        raise ValueError("must be a plain decimal of 0 or more, such as 12500 or 19.99")
    return value


def _normalise(value: Decimal) -> Decimal:
    # 1e2 becomes 100 and -0 becomes 0, so the same amount always reads the same.
    return Decimal(format(abs(value) if value == 0 else value, "f"))


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(
            min_length=min_length, max_length=max_length, pattern=NO_CONTROLS
        ),
        AfterValidator(_refuse_surrogates),
    ]


DeliveryStatus = Literal["scheduled", "pending", "delivering", "delivered", "failed"]
InvoiceStatus = Literal["open", "paid"]


class Invoice(BaseModel):
    """
    An invoice to collect; its payment triggers the `invoice.paid` callback.
    """

    # A misplaced field (callback_url belongs in the query) is an error, not lost.
    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1,
        max_length=64,
        pattern=ID_PATTERN,
        description="Letters, digits, `.`, `_` and `-`; starts with a letter or digit.",
        examples=["invoice123"],
    )
    title: _text(200) | None = Field(default=None, examples=["請求書 第1号"])  # type: ignore[valid-type]
    customer: _text(200, min_length=1) = Field(examples=["山田花子"])  # type: ignore[valid-type]
    total: Annotated[
        Decimal,
        BeforeValidator(_check_plain_decimal),
        AfterValidator(_normalise),
        WithJsonSchema(TOTAL_SCHEMA, mode="validation"),
    ] = Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        allow_inf_nan=False,
        description="Exact amount: up to 12 digits before the point and 2 after; "
        'a JSON number or a string such as `"19.99"`.',
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

    invoice_id: str
    event_type: str
    attempts_left: int
    next_attempt_at: datetime | None
    lease_expires_at: datetime | None = Field(
        description="While delivering: when the delivery is due again if the "
        "process sending it has died."
    )
    created_at: datetime
    updated_at: datetime
    attempts: list[Attempt]


class DeliveryPage(BaseModel):
    """
    One page of deliveries, most recently changed first.
    """

    deliveries: list[Delivery]
    next_offset: int | None = Field(
        description="Pass as `offset` for the next page; null on the last page."
    )


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
