"""
The path operations. They write state and wake the background loops; never send HTTP.
"""

import logging
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from invoice_api import history
from invoice_api.callback_policy import CallbackPolicy, CallbackPolicyError
from invoice_api.callback_urls import MAX_URL_LENGTH, build_target_url, target_host
from invoice_api.callback_urls import validate_callback_url as _validate_url
from invoice_api.callbacks import invoice_callback_router
from invoice_api.dependencies import Services, get_services
from invoice_api.json_body import StrictJsonRoute
from invoice_api.models import (
    ID_PATTERN,
    CallbackSummary,
    Invoice,
    InvoiceAccepted,
    InvoiceEvent,
    InvoiceView,
)
from invoice_api.store import InvoiceConflictError, NewCallback

logger = logging.getLogger(__name__)

router = APIRouter(route_class=StrictJsonRoute)

CallbackUrl = Annotated[str, AfterValidator(_validate_url)]


class InvoiceQuery(BaseModel):
    """
    The query of `POST /invoices/`: only `callback_url`, which may be left out.
    """

    # A misspelt parameter (callbackUrl) is refused, not taken as "no callback".
    model_config = ConfigDict(extra="forbid")

    callback_url: CallbackUrl | None = Field(
        default=None,
        max_length=MAX_URL_LENGTH,
        description="Where to send the callback: the API POSTs to "
        "`{callback_url}/invoices/{id}` once the invoice is paid. Optional: "
        "without it the invoice is stored and paid, and no callback is sent.",
        examples=["http://127.0.0.1:8001/callback"],
    )


InvoiceId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


async def _refuse_repeated_query(request: Request) -> None:
    # Two callback_url values would otherwise be settled silently by the last one.
    keys = [key for key, _ in request.query_params.multi_items()]
    for key in sorted(set(keys)):
        if keys.count(key) > 1:
            message = "given more than once; give it once"
            error = {"type": "repeated", "loc": ("query", key), "msg": message}
            raise RequestValidationError([error])


@router.post(
    "/invoices/",
    status_code=status.HTTP_202_ACCEPTED,
    callbacks=invoice_callback_router.routes,
    responses={
        409: {"description": "An invoice with this id exists with other data"},
        413: {"description": "The body is over 64 KiB"},
    },
    dependencies=[Depends(_refuse_repeated_query)],
)
async def create_invoice(
    invoice: Invoice,
    query: Annotated[InvoiceQuery, Query()],
    services: Annotated[Services, Depends(get_services)],
) -> InvoiceAccepted:
    """
    Accept an invoice at once; when it is paid, call back `callback_url`.

    The invoice and its callback are stored together before this answers. Sending the
    same invoice again is harmless; the same id with other data is a 409. Without
    `callback_url`, the invoice is paid all the same but nobody is called back.

    The body is JSON sent as `application/json`, each key once, numbers without an
    exponent. Anything else, like an unknown query parameter, is a 422 whose errors
    name where (`loc`) and why (`msg`).
    """
    settings, callback_url = services.settings, query.callback_url
    callback = None
    if callback_url is not None:
        await _check_reachable(services.policy, callback_url)
        callback = _new_callback(invoice, callback_url, settings.attempts)

    now = time.time()
    try:
        summary = await services.store.add_invoice(
            invoice, callback_url, callback, now, now + settings.payment_delay
        )
    except InvoiceConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc

    services.payments.ticker.wake()
    if callback is not None and summary is not None:
        _log_scheduled(invoice, summary, callback, callback_url)
    else:
        _log_received(invoice, None)
    return InvoiceAccepted(invoice_id=invoice.id, callback=summary)


@router.get(
    "/invoices/{invoice_id}", responses={404: {"description": "No such invoice"}}
)
async def read_invoice(
    invoice_id: InvoiceId, services: Annotated[Services, Depends(get_services)]
) -> InvoiceView:
    """
    An invoice, whether it is paid, and its callback's delivery state and attempts.
    """
    view = await history.read_invoice(services.store.database, invoice_id)
    if view is None:
        raise HTTPException(404, detail=f"invoice {invoice_id!r} not found")
    return view


async def _check_reachable(policy: CallbackPolicy, callback_url: str) -> None:
    try:
        await policy.check(callback_url)
    except CallbackPolicyError as exc:
        error = {"type": "callback_url_refused", "loc": ("query", "callback_url")}
        raise RequestValidationError(
            [{**error, "msg": str(exc), "input": callback_url}]
        ) from exc


def _new_callback(invoice: Invoice, callback_url: str, attempts: int) -> NewCallback:
    title = f" ({invoice.title})" if invoice.title else ""
    event = InvoiceEvent(
        description=f"Invoice {invoice.id}{title} paid by {invoice.customer}: "
        f"{invoice.total}",
        paid=True,
    )
    return NewCallback(
        webhook_id=f"msg_{uuid.uuid4().hex}",
        target_url=build_target_url(callback_url, invoice.id),
        target_host=target_host(callback_url),
        payload=event.model_dump_json().encode("utf-8"),
        attempts_left=attempts,
    )


def _log_received(invoice: Invoice, webhook_id: str | None) -> None:
    logger.info(
        "invoice.received invoice_id=%s webhook_id=%s customer=%s total=%s",
        invoice.id,
        webhook_id,
        invoice.customer,
        invoice.total,
    )


def _log_scheduled(
    invoice: Invoice,
    summary: CallbackSummary,
    callback: NewCallback,
    callback_url: str | None,
) -> None:
    # The store keeps the first webhook id; another one means a repeat.
    if summary.webhook_id != callback.webhook_id:
        logger.info(
            "invoice.repeated invoice_id=%s webhook_id=%s status=%s",
            invoice.id,
            summary.webhook_id,
            summary.status,
        )
        return

    _log_received(invoice, summary.webhook_id)
    logger.info(
        "callback.scheduled invoice_id=%s webhook_id=%s callback_url=%s",
        invoice.id,
        summary.webhook_id,
        callback_url,
    )
