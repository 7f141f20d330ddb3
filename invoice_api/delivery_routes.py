"""
Operator routes: the attempt log, the dead letters, and redelivery.
"""

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from invoice_api import history
from invoice_api.dependencies import Services, get_services
from invoice_api.models import ID_PATTERN, Delivery, DeliveryPage, DeliveryStatus
from invoice_api.outbox import DeliveryBusyError, DeliveryNotFoundError, Outbox

logger = logging.getLogger(__name__)

router = APIRouter(tags=["deliveries"])

WebhookId = Annotated[str, Path(max_length=64, pattern=r"^msg_[A-Za-z0-9]+$")]
InvoiceId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


@router.get(
    "/invoices/{invoice_id}/deliveries",
    responses={404: {"description": "No such invoice"}},
)
async def list_invoice_deliveries(
    invoice_id: InvoiceId, services: Annotated[Services, Depends(get_services)]
) -> list[Delivery]:
    """
    Every delivery of an invoice's callbacks, with each attempt and the next one due.
    """
    database = services.store.database
    if await history.read_invoice(database, invoice_id) is None:
        raise HTTPException(404, detail=f"invoice {invoice_id!r} not found")
    return await history.read_deliveries(database, invoice_id)


@router.get("/deliveries")
async def list_deliveries(
    services: Annotated[Services, Depends(get_services)],
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeliveryPage:
    """
    Deliveries, most recently changed first; `status=failed` lists the dead letters.
    """
    database = services.store.database
    found = await history.list_deliveries(database, status, limit + 1, offset)

    more = len(found) > limit
    return DeliveryPage(
        deliveries=found[:limit], next_offset=offset + limit if more else None
    )


@router.post(
    "/deliveries/{webhook_id}/redeliver",
    status_code=202,
    responses={
        404: {"description": "No such delivery"},
        409: {"description": "The delivery is not due yet, or being sent"},
    },
)
async def redeliver_delivery(
    webhook_id: WebhookId,
    services: Annotated[Services, Depends(get_services)],
) -> Delivery:
    """
    Send a delivered or failed callback again, or a pending one now: same
    `webhook-id`, same body, a fresh set of attempts. Receivers that deduplicate
    acknowledge a repeat without effect.
    """
    database = services.store.database
    try:
        await Outbox(database).redeliver(
            webhook_id, services.settings.attempts, time.time()
        )
    except DeliveryNotFoundError as exc:
        raise HTTPException(404, detail=str(exc)) from exc
    except DeliveryBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc

    services.dispatcher.ticker.wake()
    delivery = await history.read_delivery(database, webhook_id)
    assert delivery is not None
    logger.info(
        "callback.redelivery_requested invoice_id=%s webhook_id=%s",
        delivery.invoice_id,
        webhook_id,
    )
    return delivery
