"""
Tests of the receiver's API, served for real by uvicorn.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.callback_receiver.signing import (
    OTHER_SECRET,
    SECRET,
    event_body,
    hmac_headers,
    post_callback,
    signed_headers,
)

BODY = event_body("山田花子様 請求書 42")
URL = "/callback/invoices/inv_42"
Headers = Callable[[], dict[str, str]]


def _events(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/events", params=params)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _post_raw(
    client: httpx.Client, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return client.post(URL, content=body, headers=headers)


def test_receive_invoice_event_listed_with_its_body(client: httpx.Client) -> None:
    """A verified callback is acknowledged and listed in /events with its body."""
    response = post_callback(client, "inv_42", BODY, webhook_id="msg_1")
    events = _events(client)

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert len(events) == 1
    assert events[0]["webhook_id"] == "msg_1"
    assert events[0]["invoice_id"] == "inv_42"
    assert events[0]["body"] == {"description": "山田花子様 請求書 42", "paid": True}
    assert events[0]["verified"] is True
    assert events[0]["duplicates"] == 0
    assert events[0]["signature"].startswith("v1,")


def test_receive_invoice_event_records_times(client: httpx.Client) -> None:
    """The listing carries the signed timestamp and an ISO 8601 UTC arrival time."""
    headers = signed_headers(BODY)
    before = datetime.now(UTC)

    _post_raw(client, BODY.encode(), headers)
    event = _events(client)[0]
    received_at = datetime.fromisoformat(event["received_at"])

    assert event["webhook_timestamp"] == int(headers["webhook-timestamp"])
    assert received_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= received_at <= datetime.now(UTC)


def test_receive_invoice_event_ignores_unknown_fields(client: httpx.Client) -> None:
    """Fields the receiver does not know yet are accepted and kept in the body."""
    body = '{"description": "x", "paid": false, "currency": "JPY"}'

    response = post_callback(client, "inv_42", body)

    assert response.status_code == 200
    assert _events(client)[0]["body"]["currency"] == "JPY"


def test_receive_invoice_event_duplicate_recorded_once(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A repeated webhook-id is acknowledged, stored once, and counted."""
    caplog.set_level(logging.INFO, logger="callback_receiver")

    first = post_callback(client, "inv_42", BODY, webhook_id="msg_dup")
    second = post_callback(client, "inv_42", BODY, webhook_id="msg_dup")
    events = _events(client)
    messages = [record.getMessage() for record in caplog.records]

    assert first.status_code == second.status_code == 200
    assert second.json() == {"ok": True}
    assert len(events) == 1
    assert events[0]["duplicates"] == 1
    assert "callback.duplicate invoice_id=inv_42 webhook_id=msg_dup" in messages
    assert sum(m.startswith("callback.received") for m in messages) == 1


def test_receive_invoice_event_replayed_to_other_path(client: httpx.Client) -> None:
    """A signed copy sent first to another invoice's path is kept under that one."""
    headers = signed_headers(BODY, "msg_copy")

    copy = client.post("/callback/invoices/inv_other", content=BODY, headers=headers)
    real = client.post("/callback/invoices/inv_42", content=BODY, headers=headers)
    events = _events(client)

    assert copy.status_code == real.status_code == 200
    assert [(e["invoice_id"], e["duplicates"]) for e in events] == [("inv_other", 1)]


def _without(name: str) -> Headers:
    def make() -> dict[str, str]:
        headers = signed_headers(BODY)
        del headers[name]
        return headers

    return make


def _with(name: str, value: str) -> Headers:
    return lambda: {**signed_headers(BODY), name: value}


def _signed(
    body: str = BODY,
    secret: str = SECRET,
    shift_s: float = 0,
    webhook_id: str = "msg_1",
) -> Headers:
    at = timedelta(seconds=shift_s)
    return lambda: signed_headers(body, webhook_id, secret, datetime.now(UTC) + at)


REJECTIONS = [
    pytest.param(_without("webhook-id"), "missing webhook-id header", id="no-id"),
    pytest.param(
        _without("webhook-timestamp"), "missing webhook-timestamp", id="no-timestamp"
    ),
    pytest.param(
        _without("webhook-signature"), "missing webhook-signature", id="no-signature"
    ),
    pytest.param(
        _signed(body=event_body(paid=False)), "no matching signature", id="other"
    ),
    pytest.param(
        _signed(secret=OTHER_SECRET), "no matching signature", id="wrong-secret"
    ),
    pytest.param(_signed(shift_s=-600), "timestamp too old", id="old"),
    pytest.param(_signed(shift_s=600), "timestamp too new", id="future"),
    pytest.param(
        _with("webhook-timestamp", "tomorrow"),
        "invalid webhook-timestamp header",
        id="timestamp-not-a-number",
    ),
    pytest.param(
        _with("webhook-signature", "v1" + "A" * 44),
        "malformed webhook-signature header",
        id="signature-without-comma",
    ),
    pytest.param(
        _with("webhook-signature", "v1,abc"),
        "malformed webhook-signature header",
        id="signature-bad-base64",
    ),
    pytest.param(
        _with("webhook-signature", "v1,$$$$"),
        "malformed webhook-signature header",
        id="signature-garbage",
    ),
    pytest.param(_with("webhook-id", ""), "missing webhook-id header", id="id-empty"),
    pytest.param(
        _signed(webhook_id="m" * 5000),
        "malformed webhook-id header",
        id="id-5000-chars",
    ),
    pytest.param(
        _signed(webhook_id="m" * 257),
        "malformed webhook-id header",
        id="id-257-chars",
    ),
    pytest.param(
        _signed(webhook_id="msg 1"), "malformed webhook-id header", id="id-with-space"
    ),
    pytest.param(
        _signed(webhook_id="msg_\t1"), "malformed webhook-id header", id="id-with-tab"
    ),
]


@pytest.mark.parametrize(("make_headers", "reason"), REJECTIONS)
def test_receive_invoice_event_rejected(
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    make_headers: Headers,
    reason: str,
) -> None:
    """An unverifiable callback gets 401 naming the reason, and nothing is stored."""
    caplog.set_level(logging.INFO, logger="callback_receiver")

    response = _post_raw(client, BODY.encode(), make_headers())
    rejected = [r for r in caplog.records if r.msg.startswith("callback.rejected")]

    assert response.status_code == 401
    assert response.json()["detail"].startswith(reason)
    assert _events(client) == []
    assert len(rejected) == 1
    assert rejected[0].levelno == logging.WARNING


def test_receive_invoice_event_rejected_when_body_not_utf8(
    client: httpx.Client,
) -> None:
    """A signed body that is not UTF-8 is a 400 naming why, never a server error."""
    body = "請求書".encode("shift_jis")

    response = _post_raw(client, body, hmac_headers(body))

    assert response.status_code == 400
    assert response.json()["detail"] == "body is not UTF-8 (byte 0)"
    assert _events(client) == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param("{not json", "body is not JSON", id="broken"),
        pytest.param('{"description": "x", "paid": NaN}', "NaN", id="nan"),
        pytest.param("", "body is not JSON", id="empty"),
        pytest.param(
            '{"description": "\\ud800", "paid": true}',
            "body has a lone surrogate, which is not valid Unicode",
            id="lone-surrogate",
        ),
        pytest.param("[" * 50_000, "nests deeper than 32 levels", id="50000-deep"),
        pytest.param(
            '{"description": "x", "paid": true, "x": ' + "[" * 40 + "]" * 40 + "}",
            "nests deeper than 32 levels",
            id="40-deep",
        ),
    ],
)
def test_receive_invoice_event_rejected_when_signed_body_not_json(
    client: httpx.Client, body: str, detail: str
) -> None:
    """A correctly signed body that is not JSON gets 400, and nothing is stored."""
    response = post_callback(client, "inv_42", body)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert _events(client) == []


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        pytest.param('{"description": "x"}', ["body", "paid"], id="no-paid"),
        pytest.param('{"paid": true}', ["body", "description"], id="no-description"),
        pytest.param(
            '{"description": "x", "paid": "maybe"}', ["body", "paid"], id="bad-paid"
        ),
        pytest.param("[1, 2]", ["body"], id="not-an-object"),
        pytest.param(
            '{"description": "x", "paid": "yes"}', ["body", "paid"], id="paid-as-text"
        ),
        pytest.param('{"description": "x", "paid": 1}', ["body", "paid"], id="paid-1"),
        pytest.param(
            '{"description": 42, "paid": true}',
            ["body", "description"],
            id="description-as-number",
        ),
    ],
)
def test_receive_invoice_event_rejected_when_body_off_contract(
    client: httpx.Client, body: str, loc: list[str]
) -> None:
    """Signed JSON that does not match InvoiceEvent gets 422 naming the field."""
    response = post_callback(client, "inv_42", body)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert _events(client) == []


def test_list_events_newest_first_filtered_by_invoice(client: httpx.Client) -> None:
    """/events lists newest first, all invoices or only the one asked for."""
    for invoice_id, webhook_id in [("inv_a", "a1"), ("inv_b", "b1"), ("inv_a", "a2")]:
        post_callback(client, invoice_id, BODY, webhook_id).raise_for_status()

    everything = [event["webhook_id"] for event in _events(client)]
    of_a = [event["webhook_id"] for event in _events(client, invoice_id="inv_a")]
    newest = [event["webhook_id"] for event in _events(client, limit=1)]

    assert everything == ["a2", "b1", "a1"]
    assert of_a == ["a2", "a1"]
    assert newest == ["a2"]
    assert _events(client, invoice_id="inv_unknown") == []


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_list_events_rejected_when_limit_out_of_range(
    client: httpx.Client, limit: int | str
) -> None:
    """The limit must be a whole number from 1 to 500."""
    response = client.get("/events", params={"limit": limit})

    assert response.status_code == 422


def test_document_invoice_event_body_in_openapi(client: httpx.Client) -> None:
    """OpenAPI documents the raw-verified body as the InvoiceEvent contract."""
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/callback/invoices/{invoice_id}"]["post"]
    body = operation["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    received = spec["components"]["schemas"][answer["$ref"].split("/")[-1]]

    validate(spec)
    assert spec["info"]["title"] == "Callback receiver"
    assert body["required"] is True
    assert schema["type"] == "object"
    assert sorted(schema["required"]) == ["description", "paid"]
    assert schema["properties"]["description"]["type"] == "string"
    assert schema["properties"]["paid"]["type"] == "boolean"
    assert received["required"] == ["ok"]
    assert received["properties"]["ok"]["type"] == "boolean"
    assert {"401", "422"} <= operation["responses"].keys()


def test_document_every_answer_in_openapi(client: httpx.Client) -> None:
    """OpenAPI lists each status the callback route answers, failure mode noted."""
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/callback/invoices/{invoice_id}"]["post"]
    responses = operation["responses"]
    parameter = operation["parameters"][0]["schema"]

    assert sorted(responses) == ["200", "400", "401", "413", "422"]
    assert "64 KiB" in responses["413"]["description"]
    assert sorted(responses["413"]["content"]) == ["application/json"]
    assert "invoice id" in responses["422"]["description"]
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"]
    assert "/failure-mode" in operation["description"]
    assert "300 to 599" in operation["description"]
    assert parameter["maxLength"] == 64
    assert parameter["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._-]*$"
