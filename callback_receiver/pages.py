"""
The inbox page: verified callbacks as HTML that refreshes itself.
"""

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import JsonValue

from callback_receiver.received_events import readable_events
from callback_receiver.routes import InboxDep, InvoiceIdQuery
from kit_process.console import BIDI_ESCAPES

PAGE_SIZE = 100
REFRESH_SECONDS = 2

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


def pretty_json(value: JsonValue) -> str:
    """
    Indent JSON for people, keeping non-ASCII text (山田花子) as it is.
    """
    return json.dumps(value, ensure_ascii=False, indent=2)


def visible_bidi(text: str) -> str:
    """
    Show bidirectional formatting characters as \\uNNNN, so that no value can make
    the page read in another order than the text was sent.
    """
    return text.translate(BIDI_ESCAPES)


templates.env.filters["pretty_json"] = pretty_json
templates.env.filters["visible_bidi"] = visible_bidi


@router.get("/", response_class=HTMLResponse)
async def show_inbox(
    request: Request, inbox: InboxDep, invoice_id: InvoiceIdQuery = None
) -> HTMLResponse:
    """
    Show the newest verified callbacks, of one invoice or of all.
    """
    stored = await inbox.list(invoice_id, PAGE_SIZE)
    context = {
        "events": readable_events(stored),
        "invoice_id": invoice_id,
        "refresh_seconds": REFRESH_SECONDS,
    }

    return templates.TemplateResponse(request, "inbox.html", context)
