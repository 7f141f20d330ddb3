"""
Tests of the failure mode: callbacks answered badly or late on purpose, for learning.
"""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import Response
from openapi_spec_validator import validate

from callback_receiver.app import create_app
from callback_receiver.failure_mode import FailureMode, fail_on_purpose
from callback_receiver.models import FailureModeRequest
from callback_receiver.settings import ReceiverSettings
from tests.callback_receiver.signing import OTHER_SECRET, event_body, post_callback
from tests.servers import serve, wait_for

BODY = event_body("山田花子様 請求書 42")
OFF = {"count": 0, "status": None, "retry_after": None, "delay": 0.0}
HTTP_DATE = "Wed, 21 Oct 2026 07:28:00 GMT"


def _set_mode(client: httpx.Client, **mode: Any) -> dict[str, Any]:
    response = client.put("/failure-mode", json=mode)
    response.raise_for_status()
    shown: dict[str, Any] = response.json()
    return shown


def _mode(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/failure-mode")
    response.raise_for_status()
    shown: dict[str, Any] = response.json()
    return shown


def _listed(client: httpx.Client) -> list[tuple[str, int]]:
    events = client.get("/events").json()["events"]
    return [(event["webhook_id"], event["duplicates"]) for event in events]


def _timed_callback(base_url: str) -> tuple[httpx.Response, float]:
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        started = time.monotonic()
        response = post_callback(client, "inv_42", BODY, "msg_late")
        return response, time.monotonic() - started


def test_set_failure_mode_fails_callbacks_then_recovers(client: httpx.Client) -> None:
    """Two callbacks get 503 with Retry-After and go unrecorded; the third is kept."""
    shown = _set_mode(client, count=2, status=503, retry_after="3")

    failed = [post_callback(client, "inv_42", BODY, "msg_retry") for _ in range(2)]
    listed_while_failing = _listed(client)
    recovered = post_callback(client, "inv_42", BODY, "msg_retry")

    assert shown == {"count": 2, "status": 503, "retry_after": "3", "delay": 0.0}
    assert [answer.status_code for answer in failed] == [503, 503]
    assert [answer.headers.get("retry-after") for answer in failed] == ["3", "3"]
    assert [answer.json() for answer in failed] == [
        {"ok": False, "detail": "failure mode: answering 503, 1 more to go"},
        {"ok": False, "detail": "failure mode: answering 503, 0 more to go"},
    ]
    assert listed_while_failing == []
    assert recovered.status_code == 200
    assert "retry-after" not in recovered.headers
    assert _listed(client) == [("msg_retry", 0)]
    assert _mode(client) == OFF


@pytest.mark.parametrize(
    ("mode", "retry_after"),
    [
        pytest.param({"status": 500}, None, id="500-without-retry-after"),
        pytest.param({"status": 410}, None, id="410-gone"),
        pytest.param(
            {"status": 429, "retry_after": HTTP_DATE}, HTTP_DATE, id="429-http-date"
        ),
        pytest.param({"status": 307, "retry_after": "1"}, "1", id="307-redirect"),
    ],
)
def test_receive_invoice_event_failing_with_status(
    client: httpx.Client, mode: dict[str, Any], retry_after: str | None
) -> None:
    """An affected callback gets the chosen status, and Retry-After only if set."""
    _set_mode(client, count=1, **mode)

    response = post_callback(client, "inv_42", BODY)

    assert response.status_code == mode["status"]
    assert response.headers.get("retry-after") == retry_after
    assert response.json()["ok"] is False
    assert _listed(client) == []


def test_receive_invoice_event_failing_with_304_has_no_body(
    client: httpx.Client,
) -> None:
    """A 304, which HTTP forbids a body, is answered with headers only."""
    _set_mode(client, count=1, status=304, retry_after="1")

    response = post_callback(client, "inv_42", BODY)

    assert response.status_code == 304
    assert response.headers["retry-after"] == "1"
    assert response.content == b""
    assert _listed(client) == []


def test_receive_invoice_event_delayed_without_blocking(client: httpx.Client) -> None:
    """A delayed callback answers after the delay; other requests answer at once."""
    _set_mode(client, count=1, delay=0.5)

    with ThreadPoolExecutor(max_workers=1) as pool:
        delayed = pool.submit(_timed_callback, str(client.base_url))
        # The count drops as the callback starts waiting, before it is answered.
        wait_for(lambda: _mode(client)["count"] == 0)
        started = time.monotonic()
        listing = client.get("/events")
        listing_s = time.monotonic() - started
        response, elapsed_s = delayed.result(timeout=10)

    assert listing.status_code == 200
    assert listing_s < 0.3
    assert response.status_code == 200
    assert elapsed_s >= 0.5
    assert _listed(client) == [("msg_late", 0)]


def test_receive_invoice_event_forged_not_counted(client: httpx.Client) -> None:
    """A forged callback still gets 401 and leaves the count alone."""
    _set_mode(client, count=1, status=503)

    forged = post_callback(client, "inv_42", BODY, "msg_forged", OTHER_SECRET)
    left = _mode(client)["count"]
    genuine = post_callback(client, "inv_42", BODY, "msg_genuine")

    assert forged.status_code == 401
    assert left == 1
    assert genuine.status_code == 503
    assert _mode(client) == OFF


def test_clear_failure_mode_processes_callbacks_again(client: httpx.Client) -> None:
    """DELETE switches the failure mode off, so the next callback is recorded."""
    _set_mode(client, count=5, status=503, retry_after="3", delay=1)

    deleted = client.delete("/failure-mode")
    shown = _mode(client)
    response = post_callback(client, "inv_42", BODY)

    assert deleted.status_code == 204
    assert shown == OFF
    assert response.status_code == 200
    assert _listed(client) == [("msg_1", 0)]


def test_set_failure_mode_replaces_current_one(client: httpx.Client) -> None:
    """A new PUT replaces the mode and its count instead of adding to them."""
    _set_mode(client, count=5, status=503, retry_after="3")

    shown = _set_mode(client, count=1, status=500)

    assert shown == {"count": 1, "status": 500, "retry_after": None, "delay": 0.0}
    assert _mode(client) == shown


INVALID_MODES = [
    pytest.param({}, "count", id="count-missing"),
    pytest.param({"count": 0}, "count", id="count-0"),
    pytest.param({"count": 1001}, "count", id="count-1001"),
    pytest.param({"count": "2"}, "count", id="count-as-text"),
    pytest.param({"count": 1, "status": 200}, "status", id="status-200"),
    pytest.param({"count": 1, "status": 600}, "status", id="status-600"),
    pytest.param(
        {"count": 1, "status": 600, "retry_after": "3"},
        "status",
        id="status-600-with-retry-after",
    ),
    pytest.param({"count": 1, "delay": -1}, "delay", id="delay-negative"),
    pytest.param({"count": 1, "delay": 61}, "delay", id="delay-61"),
    pytest.param({"count": 1, "delay": "1"}, "delay", id="delay-as-text"),
    pytest.param({"count": 1.5}, "count", id="count-fraction"),
    pytest.param({"count": True}, "count", id="count-boolean"),
    pytest.param(
        {"count": 1, "status": 503, "retry_after": "9" * 65},
        "retry_after",
        id="retry-after-too-long",
    ),
    pytest.param(
        {"count": 1, "status": 503, "retry_after": "3\r\nX-Injected: 1"},
        "retry_after",
        id="retry-after-not-a-header-value",
    ),
    pytest.param({"count": 1, "stauts": 503}, "stauts", id="unknown-field"),
]


@pytest.mark.parametrize(("mode", "field"), INVALID_MODES)
def test_set_failure_mode_rejected_when_invalid(
    client: httpx.Client, mode: dict[str, Any], field: str
) -> None:
    """A bad failure mode gets 422 naming the field, and the mode stays off."""
    response = client.put("/failure-mode", json=mode)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    assert _mode(client) == OFF


def test_set_failure_mode_not_found_when_disabled(settings: ReceiverSettings) -> None:
    """With failure_mode_enabled false, /failure-mode is 404 and not documented."""
    disabled = settings.model_copy(update={"failure_mode_enabled": False})

    with (
        serve(create_app(disabled)) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        put = client.put("/failure-mode", json={"count": 1, "status": 503})
        shown = client.get("/failure-mode")
        response = post_callback(client, "inv_42", BODY)
        paths = client.get("/openapi.json").json()["paths"]

    assert put.status_code == 404
    assert shown.status_code == 404
    assert response.status_code == 200
    assert "/failure-mode" not in paths


def test_receive_invoice_event_failing_logged(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Each callback failed on purpose is one WARNING naming it and what is left."""
    caplog.set_level(logging.INFO, logger="callback_receiver")
    _set_mode(client, count=2, status=503, retry_after="3")

    post_callback(client, "inv_42", BODY, "msg_log")
    failing = [r for r in caplog.records if r.msg.startswith("callback.failing")]
    messages = [record.getMessage() for record in caplog.records]

    assert [record.levelno for record in failing] == [logging.WARNING]
    assert failing[0].getMessage() == (
        "callback.failing_on_purpose invoice_id=inv_42 webhook_id=msg_log "
        "status=503 delay_s=0.0 remaining=1"
    )
    assert "failure_mode.set count=2 status=503 retry_after=3 delay_s=0.0" in messages
    assert not any(m.startswith("callback.received") for m in messages)


def test_document_failure_mode_in_openapi(client: httpx.Client) -> None:
    """The /failure-mode routes are tagged learning and document their shapes."""
    spec = client.get("/openapi.json").json()
    operations = spec["paths"]["/failure-mode"]
    schemas = spec["components"]["schemas"]

    validate(spec)
    assert sorted(operations) == ["delete", "get", "put"]
    assert {tuple(op["tags"]) for op in operations.values()} == {("learning",)}
    assert operations["put"]["description"].startswith("For learning")
    assert "204" in operations["delete"]["responses"]
    assert schemas["FailureModeRequest"]["required"] == ["count"]
    assert sorted(schemas["FailureModeState"]["required"]) == [
        "count",
        "delay",
        "retry_after",
        "status",
    ]


def test_fail_on_purpose_concurrent_callbacks_take_exact_count() -> None:
    """Of ten callbacks waiting at once, exactly `count` are failed on purpose."""
    failure_mode = FailureMode()
    failure_mode.set(FailureModeRequest(count=3, status=503, delay=0.05))

    async def work() -> list[Response | None]:
        answers = (
            fail_on_purpose(failure_mode, "inv_1", f"msg_{n}") for n in range(10)
        )
        return list(await asyncio.gather(*answers))

    answers = asyncio.run(work())

    assert [answer.status_code for answer in answers if answer] == [503] * 3
    assert answers[3:] == [None] * 7
    assert failure_mode.state.count == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_set_failure_mode_refuses_non_finite_delay(
    client: httpx.Client, value: str
) -> None:
    """A delay of NaN or Infinity is a 422 naming `delay`, never a 500."""
    response = client.put(
        "/failure-mode",
        content=f'{{"count": 1, "delay": {value}}}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "delay"]


def test_set_failure_mode_long_input_echo_cut(client: httpx.Client) -> None:
    """A long bad value is echoed cut short, not in full."""
    response = client.put(
        "/failure-mode", json={"count": 1, "status": 500, "retry_after": "9" * 10_000}
    )

    assert response.status_code == 422
    assert len(response.json()["detail"][0]["input"]) < 200
