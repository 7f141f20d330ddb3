"""
The callback body the receiver accepts, the failure mode, and the shapes of answers.
"""

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictStr,
)

# The rule the invoice API documents for invoice ids, so any id it issues fits.
INVOICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MAX_INVOICE_ID_LENGTH = 64


class InvoiceEvent(BaseModel):
    """
    What the invoice API reports about one invoice.
    """

    # Unknown fields are ignored, so the API may add some without breaking us.
    model_config = ConfigDict(extra="ignore")

    # Strict: "yes" or 1 is not a boolean, 42 is not a description.
    description: StrictStr
    paid: StrictBool


class InvoiceEventReceived(BaseModel):
    """
    The answer to a callback that was verified and recorded.
    """

    ok: bool


class ReceivedEvent(BaseModel):
    """
    One verified callback as stored in the inbox.
    """

    webhook_id: str
    invoice_id: str
    received_at: datetime
    webhook_timestamp: int
    signature: str
    verified: bool
    duplicates: int
    body: dict[str, JsonValue]


class ReceivedEventList(BaseModel):
    """
    Verified callbacks, newest first.
    """

    events: list[ReceivedEvent]


class ErrorDetail(BaseModel):
    """
    Why a callback was refused.
    """

    detail: str


def _json_number(value: object) -> object:
    # JSON Schema's integer includes 3.0; text such as "3" is not a number at all.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON number")
    return value


WholeNumber = Annotated[int, BeforeValidator(_json_number)]


class FailureModeRequest(BaseModel):
    """
    How to treat the next `count` verified callbacks.
    """

    model_config = ConfigDict(extra="forbid")

    count: WholeNumber = Field(
        ge=1, le=1000, description="How many callbacks to affect."
    )
    status: (
        Annotated[int, Field(ge=300, le=599), BeforeValidator(_json_number)] | None
    ) = Field(
        default=None,
        description="Answer with this status, recording nothing; null: only delay.",
    )
    retry_after: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[ -~]+$",
        description="Sent verbatim as Retry-After with the status, e.g. '3'; "
        "unused without a status.",
    )
    delay: float = Field(
        default=0.0,
        strict=True,
        ge=0,
        le=60,
        description="Seconds to wait before answering.",
    )


class FailureModeState(BaseModel):
    """
    The failure mode now; `count` is how many callbacks it still affects, 0 when off.
    """

    count: int
    status: int | None
    retry_after: str | None
    delay: float
