"""
Tests of hostile input: oversized bodies, odd invoice ids, bodies that cannot be served.
"""

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from callback_receiver.app import create_app
from callback_receiver.inbox import Inbox
from callback_receiver.settings import ReceiverSettings
from tests.callback_receiver.signing import event_body, post_callback, signed_headers
from tests.servers import serve

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = "the body is larger than 64 KiB (65536 bytes)"
LONE_SURROGATE = '{"description": "\\ud800", "paid": true}'


def _events(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/events")
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _body_of_size(size: int) -> str:
    return event_body("x" * (size - len(event_body(""))))


def _store(settings: ReceiverSettings, bodies: dict[str, str]) -> None:
    async def add_all() -> None:
        inbox = await Inbox.open(settings.database_url)
        try:
            for at, (webhook_id, body) in enumerate(bodies.items()):
                await inbox.add(
                    webhook_id=webhook_id,
                    invoice_id="inv_1",
                    webhook_timestamp=1_700_000_000,
                    signature="v1,c2ln",
                    body=body,
                    received_at=float(at),
                )
        finally:
            await inbox.close()

    asyncio.run(add_all())


def _chunks(body: str) -> Iterator[bytes]:
    data = body.encode()
    for start in range(0, len(data), 8192):
        yield data[start : start + 8192]


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(MAX_BODY_BYTES + 1, id="64-KiB-plus-1"),
        pytest.param(10 * 1024 * 1024, id="10-MB"),
    ],
)
def test_receive_invoice_event_refused_when_body_too_large(
    client: httpx.Client, size: int
) -> None:
    """A signed body over 64 KiB gets a JSON 413, and nothing is stored."""
    response = post_callback(client, "inv_42", _body_of_size(size))

    assert response.status_code == 413
    assert response.json() == {"detail": TOO_LARGE}
    assert _events(client) == []


def test_receive_invoice_event_refused_when_chunked_body_too_large(
    client: httpx.Client,
) -> None:
    """A signed body over 64 KiB sent in chunks, with no length, also gets 413."""
    body = _body_of_size(MAX_BODY_BYTES + 1)

    response = client.post(
        "/callback/invoices/inv_42", content=_chunks(body), headers=signed_headers(body)
    )

    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json() == {"detail": TOO_LARGE}
    assert _events(client) == []


def test_receive_invoice_event_accepted_at_body_size_limit(
    client: httpx.Client,
) -> None:
    """A signed body of exactly 64 KiB is still accepted and stored."""
    body = _body_of_size(MAX_BODY_BYTES)

    response = post_callback(client, "inv_42", body)

    assert len(body.encode()) == MAX_BODY_BYTES
    assert response.status_code == 200
    assert len(_events(client)) == 1


@pytest.mark.parametrize(
    "invoice_id",
    [
        pytest.param("%2E%2E", id="dot-dot"),
        pytest.param(".hidden", id="leading-dot"),
        pytest.param("%3Cscript%3E", id="markup"),
        pytest.param("a" * 65, id="65-chars"),
        pytest.param("a" * 3000, id="3000-chars"),
        pytest.param("inv%0AINFO", id="line-break"),
        pytest.param("inv%201", id="space"),
        pytest.param("%E8%AB%8B%E6%B1%82", id="not-ascii"),
    ],
)
def test_receive_invoice_event_refused_when_invoice_id_invalid(
    client: httpx.Client, invoice_id: str
) -> None:
    """An invoice id off the API's rule gets 422 naming it, and nothing is stored."""
    response = post_callback(client, invoice_id, event_body())

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["path", "invoice_id"]]
    assert _events(client) == []


@pytest.mark.parametrize(
    "invoice_id",
    [
        pytest.param("9", id="1-char"),
        pytest.param("a" * 64, id="64-chars"),
        pytest.param("INV-2024.07_x", id="punctuated"),
    ],
)
def test_receive_invoice_event_accepted_with_invoice_id(
    client: httpx.Client, invoice_id: str
) -> None:
    """Every invoice id the API may issue is accepted and listed as sent."""
    response = post_callback(client, invoice_id, event_body())

    assert response.status_code == 200
    assert [event["invoice_id"] for event in _events(client)] == [invoice_id]


@pytest.mark.parametrize("path", ["/events", "/"])
@pytest.mark.parametrize(
    "invoice_id",
    [
        pytest.param("", id="empty"),
        pytest.param("..", id="dot-dot"),
        pytest.param("<script>", id="markup"),
        pytest.param("a" * 65, id="65-chars"),
    ],
)
def test_list_events_refused_when_invoice_id_filter_invalid(
    client: httpx.Client, path: str, invoice_id: str
) -> None:
    """The `invoice_id` filter follows the same rule, with 422 naming it."""
    response = client.get(path, params={"invoice_id": invoice_id})

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "invoice_id"]]


def test_receive_invoice_event_refused_when_lone_surrogate(
    client: httpx.Client,
) -> None:
    """A signed lone surrogate escape gets 400, and the inbox still answers."""
    response = post_callback(client, "inv_42", LONE_SURROGATE)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "body has a lone surrogate, which is not valid Unicode"
    }
    assert _events(client) == []
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(LONE_SURROGATE, id="lone-surrogate"),
        pytest.param("[" * 50_000, id="too-deep"),
        pytest.param("{not json", id="not-json"),
        pytest.param("[1, 2]", id="not-an-object"),
    ],
)
def test_list_events_skips_unreadable_stored_body(
    settings: ReceiverSettings, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    """A stored body that cannot be served is left out and logged, never a 500."""
    _store(settings, {"msg_bad": body, "msg_good": event_body("readable")})
    caplog.set_level(logging.WARNING, logger="callback_receiver")

    with (
        serve(create_app(settings)) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        listed = client.get("/events")
        page = client.get("/")
    skipped = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    assert listed.status_code == 200
    assert [event["webhook_id"] for event in listed.json()["events"]] == ["msg_good"]
    assert page.status_code == 200
    assert "readable" in page.text
    assert len(skipped) == 2
    assert all(
        m.startswith("inbox.unreadable_event webhook_id=msg_bad") for m in skipped
    )
