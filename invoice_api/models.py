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
# C0 and C1 controls (line breaks, NUL, ANSI escapes), and the bidirectional
# formatting characters (marks, embeddings, overrides, isolates) that make text
# show in another order than it is stored.
TEXT_FORBIDDEN = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
FORBIDDEN_CHARACTER = re.compile(f"[{TEXT_FORBIDDEN}]")
PLAIN_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
CENTS = Decimal("0.01")
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


def _check_text(value: str) -> str:
    found = FORBIDDEN_CHARACTER.search(value)
    if found is not None:
        raise ValueError(
            f"must not contain control or bidirectional formatting characters; "
            f"found U+{ord(found.group()):04X} at position {found.start()}"
        )
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


def to_cents(value: Decimal) -> Decimal:
    """
    An amount with exactly two decimals (100, 100.0 and 1E2 all become 100.00), so
    that the same amount always reads the same; -0 becomes 0.00.
    """
    return abs(value).quantize(CENTS) if value == 0 else value.quantize(CENTS)


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_check_text),
        Field(json_schema_extra={"pattern": f"^[^{TEXT_FORBIDDEN}]*$"}),
    ]


Money = Annotated[Decimal, AfterValidator(to_cents)]


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
        AfterValidator(to_cents),
        WithJsonSchema(TOTAL_SCHEMA, mode="validation"),
    ] = Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        allow_inf_nan=False,
        description="Exact amount: up to 12 digits before the point and 2 after; "
        'a JSON number without an exponent, or a string such as `"19.99"`. '
        'It is kept and shown with two decimals: 100, 100.0 and `"100"` all '
        'read `"100.00"`.',
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
    total: Money
    status: InvoiceStatus
    created_at: datetime
    paid_at: datetime | None
    callback_url: str | None
    callback: Delivery | None
