"""
Stored callbacks in their API shape, leaving out any body that cannot be served.
"""

import logging
from datetime import UTC, datetime

from pydantic import ValidationError

from callback_receiver.callback_body import BodyError, load_body
from callback_receiver.inbox import StoredEvent
from callback_receiver.models import ReceivedEvent

logger = logging.getLogger(__name__)


def readable_events(stored: list[StoredEvent]) -> list[ReceivedEvent]:
    """
    Turn stored callbacks into their API shape, skipping (and logging) unservable ones.
    """
    readable = []
    for event in stored:
        # Checked on receipt too; this guards rows stored before the checks existed.
        try:
            readable.append(_to_received_event(event))
        except (BodyError, ValidationError) as exc:
            logger.warning(
                "inbox.unreadable_event webhook_id=%s reason=%s", event.webhook_id, exc
            )

    return readable


def _to_received_event(event: StoredEvent) -> ReceivedEvent:
    return ReceivedEvent(
        webhook_id=event.webhook_id,
        invoice_id=event.invoice_id,
        received_at=datetime.fromtimestamp(event.received_at, tz=UTC),
        webhook_timestamp=event.webhook_timestamp,
        signature=event.signature,
        verified=True,
        duplicates=event.duplicates,
        body=load_body(event.body),
    )
