"""
Tests of the invoice API's path operations, on a real server.
"""

import json
import logging
import time
from typing import Any

import httpx
import pytest

from tests.servers import wait_for

INVOICE = {"id": "invoice123", "customer": "山田花子", "total": 12500}
TOTAL = ["body", "total"]


def post_invoice(
    api: str, body: Any, callback_url: str | None = None, **kwargs: Any
) -> httpx.Response:
    """
    POST an invoice (any JSON, or raw bytes via content=) to the API.
    """
    params = {"callback_url": callback_url} if callback_url else None
    if "content" in kwargs:
        return httpx.post(f"{api}/invoices/", params=params, **kwargs)
    return httpx.post(f"{api}/invoices/", params=params, json=body)


def test_create_invoice_answers_202_with_callback(api: str) -> None:
    """A valid invoice with a callback URL is accepted with its webhook id."""
    response = post_invoice(api, INVOICE, "http://127.0.0.1:8001/callback")

    body = response.json()
    assert response.status_code == 202
    assert body["msg"] == "Invoice received"
    assert body["invoice_id"] == "invoice123"
    assert body["callback"]["webhook_id"].startswith("msg_")
    assert body["callback"]["status"] == "scheduled"
    assert body["callback"]["target_url"] == (
        "http://127.0.0.1:8001/callback/invoices/invoice123"
    )


def test_create_invoice_without_callback_url(api: str) -> None:
    """Without callback_url the invoice is accepted and nothing is scheduled."""
    response = post_invoice(api, INVOICE)

    assert response.status_code == 202
    assert response.json()["callback"] is None
    paid = wait_for(lambda: _paid(api, "invoice123"))
    assert paid["callback"] is None


def test_create_invoice_answers_fast_with_receiver_down(api: str) -> None:
    """With nothing listening at the callback URL, the 202 still comes at once."""
    started = time.perf_counter()

    response = post_invoice(api, INVOICE, "http://127.0.0.1:9/callback")

    elapsed = time.perf_counter() - started
    assert response.status_code == 202
    assert elapsed < 0.1


@pytest.mark.parametrize(
    ("total", "kept"),
    [
        pytest.param(19.99, "19.99", id="float"),
        pytest.param("9999", "9999.00", id="string"),
        pytest.param(0, "0.00", id="zero"),
        pytest.param(-0.0, "0.00", id="negative-zero"),
        pytest.param(100, "100.00", id="integer"),
        pytest.param(100.0, "100.00", id="one-decimal"),
        pytest.param("100.00", "100.00", id="two-decimals"),
        pytest.param("0.10", "0.10", id="trailing-zero"),
        pytest.param(999999999999.99, "999999999999.99", id="largest"),
    ],
)
def test_create_invoice_reads_total_with_two_decimals(
    api: str, total: Any, kept: str
) -> None:
    """Every accepted total is kept exactly and read back with two decimals."""
    post_invoice(api, {**INVOICE, "total": total})

    view = httpx.get(f"{api}/invoices/invoice123").json()

    assert view["total"] == kept


def test_create_invoice_describes_total_with_two_decimals(
    api: str, recorder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The callback and the log read a total the way the invoice does: 100.00."""
    caplog.set_level(logging.INFO, logger="invoice_api")
    record, receiver = recorder

    post_invoice(api, {**INVOICE, "total": 100}, f"{receiver}/callback")
    wait_for(lambda: _delivered(api, "invoice123"))

    [callback] = record.requests
    assert json.loads(callback.body)["description"] == (
        "Invoice invoice123 paid by 山田花子: 100.00"
    )
    assert any("total=100.00" in log.getMessage() for log in caplog.records)


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(12500.0, id="one-decimal"),
        pytest.param("12500.00", id="string"),
        pytest.param("12500", id="string-integer"),
    ],
)
def test_create_invoice_repeat_with_other_total_spelling_is_idempotent(
    api: str, spelling: Any
) -> None:
    """The same amount spelt another way is a repeat, not a conflict."""
    first = post_invoice(api, INVOICE, "http://127.0.0.1:9/callback").json()

    again = post_invoice(
        api, {**INVOICE, "total": spelling}, "http://127.0.0.1:9/callback"
    )

    assert again.status_code == 202
    assert again.json()["callback"]["webhook_id"] == first["callback"]["webhook_id"]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        pytest.param({"customer": "a", "total": 1}, "id", "required", id="no-id"),
        pytest.param({**INVOICE, "id": ""}, "id", "at least 1", id="empty-id"),
        pytest.param({**INVOICE, "id": "a/b"}, "id", "pattern", id="slash-id"),
        pytest.param({**INVOICE, "id": ".."}, "id", "pattern", id="dots-id"),
        pytest.param({**INVOICE, "id": "x" * 65}, "id", "at most", id="long-id"),
        pytest.param({"id": "a", "total": 1}, "customer", "required", id="no-customer"),
        pytest.param({**INVOICE, "customer": ""}, "customer", "at least", id="empty"),
        pytest.param({**INVOICE, "total": "abc"}, "total", "decimal", id="text-total"),
        pytest.param({**INVOICE, "total": -1}, "total", "greater", id="negative"),
        pytest.param({**INVOICE, "total": "NaN"}, "total", "plain", id="nan-str"),
        pytest.param({**INVOICE, "total": "Infinity"}, "total", "plain", id="inf"),
        pytest.param({**INVOICE, "total": "1_000"}, "total", "plain", id="underscore"),
        pytest.param({**INVOICE, "total": "１２３"}, "total", "plain", id="fullwidth"),
        pytest.param({**INVOICE, "total": "1E+2"}, "total", "plain", id="exponent"),
        pytest.param({**INVOICE, "total": " 100 "}, "total", "plain", id="spaces"),
        pytest.param({**INVOICE, "customer": "a\x00b"}, "customer", "U+0000", id="nul"),
        pytest.param({**INVOICE, "title": "a\nb"}, "title", "U+000A", id="newline"),
        pytest.param(
            {**INVOICE, "customer": "a\u202eb"}, "customer", "U+202E", id="override"
        ),
        pytest.param({**INVOICE, "title": "a\u2066b"}, "title", "U+2066", id="isolate"),
        pytest.param({**INVOICE, "title": "a\u200fb"}, "title", "U+200F", id="rl-mark"),
        pytest.param({**INVOICE, "title": "a\u061cb"}, "title", "U+061C", id="al-mark"),
        pytest.param({**INVOICE, "total": 1e13}, "total", "digits", id="too-big"),
        pytest.param(
            {**INVOICE, "callback_url": "http://127.0.0.1:8001/callback"},
            "callback_url",
            "Extra inputs",
            id="callback-url-in-body",
        ),
        pytest.param({**INVOICE, "total": 0.001}, "total", "decimal", id="cents"),
        pytest.param({**INVOICE, "total": None}, "total", "Decimal", id="null"),
        pytest.param({**INVOICE, "title": 5}, "title", "string", id="title-number"),
    ],
)
def test_create_invoice_refuses_bad_fields(
    api: str, body: dict[str, Any], field: str, reason: str
) -> None:
    """Each bad field gets a 422 that names the field and the reason."""
    response = post_invoice(api, body)

    errors = response.json()["detail"]
    assert response.status_code == 422
    assert any(e["loc"] == ["body", field] and reason in e["msg"] for e in errors)


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        pytest.param(b'{"id": "a", "customer": "b", "total": NaN}', TOTAL, id="nan"),
        pytest.param(
            b'{"id": "a", "customer": "b", "total": Infinity}', TOTAL, id="inf"
        ),
        pytest.param(b'{"id": "a", "customer": "b", "total": 1e999}', TOTAL, id="huge"),
        pytest.param(b'{"id": "a", "customer": "b", "total": 1E1}', TOTAL, id="1E1"),
        pytest.param(
            b'{"id": "a", "customer": "b", "total": 1e-400}', TOTAL, id="tiny"
        ),
        pytest.param(
            b'{"id": "a", "customer": "b", "total": 1, "total": 2}', TOTAL, id="twice"
        ),
        pytest.param(b"{not json", ["body", 1], id="broken-json"),
        pytest.param(b"\xff\xfe", ["body", 0], id="not-utf8"),
        pytest.param(b"[]", ["body"], id="array"),
        pytest.param(
            b'{"id": "a", "customer": "\\ud800", "total": 1}',
            ["body", "customer"],
            id="lone-surrogate",
        ),
    ],
)
def test_create_invoice_refuses_raw_body(
    api: str, raw: bytes, loc: list[str | int]
) -> None:
    """Odd numbers, a key given twice and non-object bodies are a 422, never 500."""
    response = post_invoice(
        api, None, content=raw, headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://127.0.0.1/x", id="ftp"),
        pytest.param("127.0.0.1:8001", id="no-scheme"),
        pytest.param("http://", id="no-host"),
        pytest.param("http://127.0.0.1:99999/", id="bad-port"),
        pytest.param("http://127.0.0.1:8001/callback/../failure-mode", id="dot-dot"),
        pytest.param("http://127.0.0.1:8001/callback/%2e%2e/x", id="encoded-dot-dot"),
        pytest.param("http://127.0.0.1:8001/call%00back", id="encoded-nul"),
    ],
)
def test_create_invoice_refuses_bad_callback_url(api: str, url: str) -> None:
    """A callback_url that is not a plain absolute http(s) URL is a 422 naming it."""
    response = post_invoice(api, INVOICE, url)

    errors = response.json()["detail"]
    assert response.status_code == 422
    assert errors[0]["loc"] == ["query", "callback_url"]


def test_create_invoice_refuses_empty_callback_url(api: str) -> None:
    """`callback_url=` with nothing after it says it must not be empty."""
    response = httpx.post(f"{api}/invoices/?callback_url=", json=INVOICE)

    [error] = response.json()["detail"]
    assert response.status_code == 422
    assert error["loc"] == ["query", "callback_url"]
    assert error["msg"].startswith("must not be empty")


def test_create_invoice_refuses_unknown_query_parameter(api: str) -> None:
    """A misspelt callbackUrl is a 422 naming it, not an invoice with no callback."""
    url = "http://127.0.0.1:8001/callback"

    response = httpx.post(f"{api}/invoices/", params={"callbackUrl": url}, json=INVOICE)

    [error] = response.json()["detail"]
    assert response.status_code == 422
    assert error["loc"] == ["query", "callbackUrl"]
    assert error["msg"].startswith("unknown query parameter")
    assert httpx.get(f"{api}/invoices/invoice123").status_code == 404


def test_create_invoice_refuses_repeated_callback_url(api: str) -> None:
    """Two callback_url values are a 422 naming it, not a silent choice of one."""
    urls = ["http://127.0.0.1:8001/callback", "http://127.0.0.1:8001/other"]
    params = {"callback_url": urls}

    response = httpx.post(f"{api}/invoices/", params=params, json=INVOICE)

    [error] = response.json()["detail"]
    assert response.status_code == 422
    assert error["loc"] == ["query", "callback_url"]
    assert "more than once" in error["msg"]
    assert httpx.get(f"{api}/invoices/invoice123").status_code == 404


def test_create_invoice_repeat_is_idempotent(api: str, recorder: Any) -> None:
    """The same invoice sent twice keeps one webhook id and sends one callback."""
    record, receiver = recorder

    first = post_invoice(api, INVOICE, f"{receiver}/callback").json()
    second = post_invoice(api, INVOICE, f"{receiver}/callback")
    wait_for(lambda: _delivered(api, "invoice123"))

    assert second.status_code == 202
    assert second.json()["callback"]["webhook_id"] == first["callback"]["webhook_id"]
    assert len(record.requests) == 1


def test_create_invoice_conflict_names_fields(api: str) -> None:
    """The same id with other data is a 409 naming the id and what differs."""
    post_invoice(api, INVOICE)

    response = post_invoice(api, {**INVOICE, "total": 1}, "http://127.0.0.1:1/")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "invoice 'invoice123' exists with a different total, callback_url"
    )


def test_read_invoice_unknown_is_404(api: str) -> None:
    """Reading an invoice that does not exist is a 404 naming it."""
    response = httpx.get(f"{api}/invoices/nope")

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_read_invoice_shows_paid_and_delivered(api: str, recorder: Any) -> None:
    """After payment and delivery the invoice shows both, with the attempt."""
    _, receiver = recorder
    post_invoice(api, {**INVOICE, "title": "請求書 第1号"}, f"{receiver}/callback")

    view = wait_for(lambda: _delivered(api, "invoice123"))

    assert view["status"] == "paid"
    assert view["title"] == "請求書 第1号"
    assert view["callback"]["attempts"][0]["status_code"] == 200
    assert view["callback"]["attempts"][0]["response_excerpt"] == '{"ok": true}'


def _paid(api: str, invoice_id: str) -> dict[str, Any] | None:
    view: dict[str, Any] = httpx.get(f"{api}/invoices/{invoice_id}").json()
    return view if view["status"] == "paid" else None


def _delivered(api: str, invoice_id: str) -> dict[str, Any] | None:
    view: dict[str, Any] = httpx.get(f"{api}/invoices/{invoice_id}").json()
    callback = view["callback"]
    return view if callback and callback["status"] == "delivered" else None


def test_create_invoice_refuses_huge_body(api: str) -> None:
    """A body over 64 KiB is a 413 before any parsing."""
    huge = {**INVOICE, "title": "x" * 100_000}

    response = post_invoice(api, huge)

    assert response.status_code == 413


def test_create_invoice_echoes_bad_value_briefly(api: str) -> None:
    """A long bad value is named but echoed only in part, never in full."""
    response = post_invoice(api, {**INVOICE, "customer": "y" * 20_000})

    [error] = response.json()["detail"]
    assert response.status_code == 422
    assert error["loc"] == ["body", "customer"]
    assert len(error["input"]) == 103


def test_create_invoice_repeat_logs_repeat(
    api: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A repeated invoice is logged as a repeat, not scheduled a second time."""
    caplog.set_level(logging.INFO, logger="invoice_api")
    post_invoice(api, INVOICE, "http://127.0.0.1:9/callback")

    post_invoice(api, INVOICE, "http://127.0.0.1:9/callback")

    messages = [record.getMessage() for record in caplog.records]
    assert sum("callback.scheduled" in message for message in messages) == 1
    assert sum("invoice.repeated invoice_id=invoice123" in m for m in messages) == 1
