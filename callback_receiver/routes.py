"""
The receiver's API: the signed invoice callback, and the list of verified events.
"""

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from callback_receiver.callback_body import BodyError, decode_body, parse_event
from callback_receiver.failure_mode import FailureModeDep, fail_on_purpose
from callback_receiver.inbox import Inbox
from callback_receiver.models import (
    INVOICE_ID_PATTERN,
    MAX_INVOICE_ID_LENGTH,
    ErrorDetail,
    InvoiceEvent,
    InvoiceEventReceived,
    ReceivedEventList,
)
from callback_receiver.received_events import readable_events
from callback_receiver.verification import (
    SignatureError,
    SignatureVerifier,
    SignedCallback,
)

logger = logging.getLogger(__name__)

# FastAPI never parses this body (the raw bytes are verified first), so document it;
# the 422 is FastAPI's own, given a description that says when it happens.
OPENAPI_EXTRA = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": InvoiceEvent.model_json_schema()}},
    },
    "responses": {
        "422": {"description": "The invoice id breaks its rule, or a body field"}
    },
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorDetail,
        "description": "Signed, but the body is not JSON, nests too deep, names "
        "a key twice, or has a lone surrogate",
    },
    401: {"model": ErrorDetail, "description": "Missing or invalid signature"},
    413: {"model": ErrorDetail, "description": "The body is larger than 64 KiB"},
}
InvoiceIdPath = Annotated[
    str, Path(max_length=MAX_INVOICE_ID_LENGTH, pattern=INVOICE_ID_PATTERN)
]
InvoiceIdQuery = Annotated[
    str | None, Query(max_length=MAX_INVOICE_ID_LENGTH, pattern=INVOICE_ID_PATTERN)
]

router = APIRouter()


async def get_inbox(request: Request) -> Inbox:
    """
    Return the inbox the app opened at start-up.
    """
    inbox: Inbox = request.app.state.inbox
    return inbox


async def get_verifier(request: Request) -> SignatureVerifier:
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
    openapi_extra=OPENAPI_EXTRA,
)
async def receive_invoice_event(
    invoice_id: InvoiceIdPath,
    request: Request,
    inbox: InboxDep,
    verifier: VerifierDep,
    failure_mode: FailureModeDep,
) -> InvoiceEventReceived | Response:
    """
    Receive an invoice callback signed with Standard Webhooks headers.

    A repeated `webhook-id` is acknowledged again but recorded once. The body
    is at most 64 KiB of JSON, nested at most 32 levels, in valid Unicode.

    While the failure mode (`PUT /failure-mode`, if enabled) is on, answers may
    come late, or with the status it was given: any from 300 to 599, such as
    503 with `Retry-After`.
    """
    body = await request.body()
    signed = _verify(verifier, invoice_id, body, request)
    failing = await fail_on_purpose(failure_mode, invoice_id, signed.webhook_id)
    if failing is not None:
        return failing

    text, event = _parse_event(invoice_id, signed.webhook_id, body)

    is_new = await inbox.add(
        webhook_id=signed.webhook_id,
        invoice_id=invoice_id,
        webhook_timestamp=signed.webhook_timestamp,
        signature=signed.signature,
        body=text,
    )
    _log_recorded(invoice_id, signed.webhook_id, event, is_new)

    return InvoiceEventReceived(ok=True)


@router.get("/events", response_model=ReceivedEventList)
async def list_events(
    inbox: InboxDep,
    invoice_id: InvoiceIdQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReceivedEventList:
    """
    List verified callbacks, newest first, of one invoice or of all.
    """
    stored = await inbox.list(invoice_id, limit)

    return ReceivedEventList(events=readable_events(stored))


def _verify(
    verifier: SignatureVerifier, invoice_id: str, body: bytes, request: Request
) -> SignedCallback:
    try:
        return verifier.verify(body, request.headers)
    except SignatureError as exc:
        # An unverified id may be anything; a prefix is enough to trace it.
        webhook_id = request.headers.get("webhook-id", "-")[:64]
        logger.warning(
            "callback.rejected invoice_id=%s webhook_id=%s reason=%s",
            invoice_id,
            webhook_id,
            exc.reason,
        )
        raise HTTPException(status_code=401, detail=exc.reason) from exc


def _parse_event(
    invoice_id: str, webhook_id: str, body: bytes
) -> tuple[str, InvoiceEvent]:
    try:
        text = decode_body(body)
        return text, parse_event(text)
    except BodyError as exc:
        _log_invalid(invoice_id, webhook_id, exc.reason)
        raise HTTPException(status_code=400, detail=exc.reason) from exc
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        fields = ",".join(".".join(map(str, e["loc"])) or "body" for e in errors)
        _log_invalid(invoice_id, webhook_id, f"invalid fields {fields}")
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
