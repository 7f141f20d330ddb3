"""
Tests of callback delivery: signing, retries, redirects, giving up, resuming.
"""

import json
import logging
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from invoice_api.app import create_app
from invoice_api.settings import DEMO_SECRET, ApiSettings
from tests.recorder import Recorder
from tests.servers import serve, wait_for

INVOICE = {"id": "invoice123", "customer": "山田花子", "total": 12500}


def send(api: str, callback_url: str) -> str:
    """
    Submit the test invoice and return its webhook id.
    """
    response = httpx.post(
        f"{api}/invoices/", params={"callback_url": callback_url}, json=INVOICE
    )
    assert response.status_code == 202
    webhook_id: str = response.json()["callback"]["webhook_id"]
    return webhook_id


def settled(api: str) -> dict[str, Any] | None:
    """
    The test invoice's callback once it is delivered or failed, else None.
    """
    callback: dict[str, Any] = httpx.get(f"{api}/invoices/invoice123").json()[
        "callback"
    ]
    return callback if callback["status"] in ("delivered", "failed") else None


def test_deliver_callback_signed_to_target(
    api: str, recorder: tuple[Recorder, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The receiver gets the documented body at the target path, validly signed."""
    record, receiver = recorder
    caplog.set_level(logging.INFO)

    webhook_id = send(api, f"{receiver}/callback")
    wait_for(lambda: settled(api))

    [request] = record.requests
    assert request.path == "/callback/invoices/invoice123"
    assert request.headers["webhook-id"] == webhook_id
    assert request.headers["content-type"] == "application/json"
    assert Webhook(DEMO_SECRET).verify(request.body, request.headers) == {
        "description": "Invoice invoice123 paid by 山田花子: 12500.00",
        "paid": True,
    }
    assert f"callback.delivered invoice_id=invoice123 webhook_id={webhook_id}" in (
        caplog.text
    )


def test_deliver_callback_retries_same_id_and_body(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """Two 500s then a 200: three attempts, one webhook id, identical bytes."""
    record, receiver = recorder
    record.statuses.extend([500, 500])

    send(api, f"{receiver}/callback")
    callback = wait_for(lambda: settled(api))

    assert callback["status"] == "delivered"
    assert [a["status_code"] for a in callback["attempts"]] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in record.requests}) == 1
    assert len({r.body for r in record.requests}) == 1
    assert len(record.requests) == 3


def test_deliver_callback_does_not_follow_redirect(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """A 307 is a failed attempt; the Location is never requested."""
    record, receiver = recorder
    record.redirect_to = f"{receiver}/elsewhere"
    record.statuses.append(307)

    send(api, f"{receiver}/callback")
    callback = wait_for(lambda: settled(api))

    assert [a["status_code"] for a in callback["attempts"]] == [307, 200]
    assert all(r.path != "/elsewhere" for r in record.requests)


def test_deliver_callback_gives_up_after_attempts(
    api: str, recorder: tuple[Recorder, str], caplog: pytest.LogCaptureFixture
) -> None:
    """After the last attempt fails, the delivery is failed and logged at ERROR."""
    record, receiver = recorder
    record.statuses.extend([503, 503, 503, 503])

    webhook_id = send(api, f"{receiver}/callback")
    callback = wait_for(lambda: settled(api))

    assert callback["status"] == "failed"
    assert len(callback["attempts"]) == 3
    assert callback["next_attempt_at"] is None
    assert any(
        r.levelno == logging.ERROR and f"webhook_id={webhook_id}" in r.getMessage()
        for r in caplog.records
    )


def test_deliver_callback_records_connection_error(api: str) -> None:
    """A receiver that is not listening gives attempts with the error recorded."""
    send(api, "http://127.0.0.1:9/callback")

    callback = wait_for(lambda: settled(api))

    assert callback["status"] == "failed"
    assert all("ClientConnectorError" in a["error"] for a in callback["attempts"])


def test_deliver_callback_resumes_after_restart(
    api_settings: ApiSettings, recorder: tuple[Recorder, str]
) -> None:
    """A callback scheduled before a shutdown is delivered by the next start."""
    record, receiver = recorder
    slow_payment = api_settings.model_copy(update={"payment_delay": 30.0})
    with serve(create_app(slow_payment)) as api:
        send(api, f"{receiver}/callback")

    with serve(create_app(api_settings)) as api:
        _pay_now(api_settings)
        wait_for(lambda: settled(api))

    assert len(record.requests) == 1
    assert json.loads(record.requests[0].body)["paid"] is True


def _pay_now(settings: ApiSettings) -> None:
    """
    Bring the stored payment time forward, as if the 30 s had passed while down.
    """
    import sqlite3

    database = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE invoices SET pay_at = 0")
