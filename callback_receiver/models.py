"""
The callback body the receiver accepts, and the shapes of its answers.
"""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, JsonValue


class InvoiceEvent(BaseModel):
    """
    What the invoice API reports about one invoice.
    """

    # Unknown fields are ignored, so the API may add some without breaking us.
    model_config = ConfigDict(extra="ignore")

    description: str
    paid: bool


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
