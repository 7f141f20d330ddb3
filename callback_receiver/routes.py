"""
The receiver's API: the signed invoice callback, and the list of verified events.
"""

import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from callback_receiver.failure_mode import FailureModeDep, fail_on_purpose
from callback_receiver.inbox import Inbox, StoredEvent
from callback_receiver.models import (
    ErrorDetail,
    InvoiceEvent,
    InvoiceEventReceived,
    ReceivedEvent,
    ReceivedEventList,
)
from callback_receiver.verification import (
    SignatureError,
    SignatureVerifier,
    SignedCallback,
)

logger = logging.getLogger(__name__)

# FastAPI never parses this body (the raw bytes are verified first), so document it.
INVOICE_EVENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": InvoiceEvent.model_json_schema()}},
    }
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "Signed, but the body is not JSON"},
    401: {"model": ErrorDetail, "description": "Missing or invalid signature"},
}

router = APIRouter()


def get_inbox(request: Request) -> Inbox:
    """
    Return the inbox the app opened at start-up.
    """
    inbox: Inbox = request.app.state.inbox
    return inbox


def get_verifier(request: Request) -> SignatureVerifier:
    """
    Return the signature verifier built from the app's webhook secret.
    """
    verifier: SignatureVerifier = request.app.state.verifier
    return verifier


InboxDep = Annotated[Inbox, Depends(get_inbox)]
VerifierDep = Annotated[SignatureVerifier, Depends(get_verifier)]


@router.post(
    "/callback/invoices/{invoice_id}",
    response_model=InvoiceEventReceived,
    responses=REFUSALS,
    openapi_extra=INVOICE_EVENT_BODY,
)
async def receive_invoice_event(
    invoice_id: str,
    request: Request,
    inbox: InboxDep,
    verifier: VerifierDep,
    failure_mode: FailureModeDep,
) -> InvoiceEventReceived | Response:
    """
    Receive an invoice callback signed with Standard Webhooks headers.

    A repeated `webhook-id` is acknowledged again but recorded once. While the
    failure mode (`PUT /failure-mode`) is on, answers may come late or fail.
    """
    body = await request.body()
    signed = _verify(verifier, invoice_id, body, request)
    failing = await fail_on_purpose(failure_mode, invoice_id, signed.webhook_id)
    if failing is not None:
        return failing

    event = _parse_event(invoice_id, signed)

    is_new = await inbox.add(
        webhook_id=signed.webhook_id,
        invoice_id=invoice_id,
        webhook_timestamp=signed.webhook_timestamp,
        signature=signed.signature,
        body=signed.text,
    )
    _log_recorded(invoice_id, signed.webhook_id, event, is_new)

    return InvoiceEventReceived(ok=True)


@router.get("/events", response_model=ReceivedEventList)
async def list_events(
    inbox: InboxDep,
    invoice_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReceivedEventList:
    """
    List verified callbacks, newest first, of one invoice or of all.
    """
    stored = await inbox.list(invoice_id, limit)

    return ReceivedEventList(events=[to_received_event(event) for event in stored])


def to_received_event(event: StoredEvent) -> ReceivedEvent:
    """
    Turn a stored callback into its API shape, with the body parsed.
    """
    return ReceivedEvent(
        webhook_id=event.webhook_id,
        invoice_id=event.invoice_id,
        received_at=datetime.fromtimestamp(event.received_at, tz=UTC),
        webhook_timestamp=event.webhook_timestamp,
        signature=event.signature,
        verified=True,
        duplicates=event.duplicates,
        body=json.loads(event.body),
    )


def _verify(
    verifier: SignatureVerifier, invoice_id: str, body: bytes, request: Request
) -> SignedCallback:
    try:
        return verifier.verify(body, request.headers)
    except SignatureError as exc:
        webhook_id = request.headers.get("webhook-id", "-")
        logger.warning(
            "callback.rejected invoice_id=%s webhook_id=%s reason=%s",
            invoice_id,
            webhook_id,
            exc.reason,
        )
        raise HTTPException(status_code=401, detail=exc.reason) from exc


def _parse_event(invoice_id: str, signed: SignedCallback) -> InvoiceEvent:
    try:
        data = json.loads(signed.text, parse_constant=_refuse_constant)
    except ValueError as exc:
        reason = f"body is not JSON: {exc}"
        _log_invalid(invoice_id, signed.webhook_id, reason)
        raise HTTPException(status_code=400, detail=reason) from exc

    try:
        return InvoiceEvent.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        fields = ",".join(".".join(map(str, e["loc"])) or "body" for e in errors)
        _log_invalid(invoice_id, signed.webhook_id, f"invalid fields {fields}")
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from exc


def _log_invalid(invoice_id: str, webhook_id: str, reason: str) -> None:
    logger.warning(
        "callback.invalid invoice_id=%s webhook_id=%s reason=%s",
        invoice_id,
        webhook_id,
        reason,
    )


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON; stored, they would break the /events answer.
    raise ValueError(f"{name} is not a JSON value")


def _log_recorded(
    invoice_id: str, webhook_id: str, event: InvoiceEvent, is_new: bool
) -> None:
    if not is_new:
        logger.info(
            "callback.duplicate invoice_id=%s webhook_id=%s", invoice_id, webhook_id
        )
        return

    logger.info(
        "callback.received invoice_id=%s webhook_id=%s paid=%s description=%s",
        invoice_id,
        webhook_id,
        event.paid,
        event.description,
    )
