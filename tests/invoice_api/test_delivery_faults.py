"""
Delivery faults: Retry-After, 410, timeouts, huge answers, isolation, redelivery.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from invoice_api.app import create_app
from invoice_api.settings import ApiSettings
from tests.recorder import Recorder
from tests.servers import serve, silent_server, wait_for


def send(api: str, callback_url: str, invoice_id: str = "inv-1") -> str:
    """
    Submit an invoice and return its webhook id.
    """
    body = {"id": invoice_id, "customer": "山田花子", "total": "10.50"}
    response = httpx.post(
        f"{api}/invoices/", params={"callback_url": callback_url}, json=body
    )
    assert response.status_code == 202, response.text
    webhook_id: str = response.json()["callback"]["webhook_id"]
    return webhook_id


def callback(api: str, invoice_id: str = "inv-1") -> dict[str, Any]:
    """
    The invoice's callback as the API shows it.
    """
    found: dict[str, Any] = httpx.get(f"{api}/invoices/{invoice_id}").json()["callback"]
    return found


def settled(api: str, invoice_id: str = "inv-1") -> dict[str, Any] | None:
    """
    The callback once it is delivered or failed, else None.
    """
    found = callback(api, invoice_id)
    return found if found["status"] in ("delivered", "failed") else None


def gap_s(first: dict[str, Any], second: dict[str, Any]) -> float:
    """
    Seconds from the end of one attempt to the start of the next.
    """
    started = [datetime.fromisoformat(a["started_at"]) for a in (first, second)]
    duration_s: float = first["duration_ms"] / 1000
    return (started[1] - started[0]).total_seconds() - duration_s


@pytest.mark.parametrize(
    ("code", "retry_after"),
    [
        pytest.param(429, "2", id="429-seconds"),
        pytest.param(503, "2", id="503-seconds"),
        pytest.param(503, None, id="503-http-date"),
    ],
)
def test_deliver_callback_honours_retry_after(
    api_settings: ApiSettings,
    recorder: tuple[Recorder, str],
    code: int,
    retry_after: str | None,
) -> None:
    """429 and 503 with Retry-After: no second attempt before the time asked."""
    record, receiver = recorder
    record.statuses.append(code)
    record.retry_after = retry_after or formatdate(time.time() + 3, usegmt=True)
    patient = api_settings.model_copy(update={"wait_max": 10.0})

    with serve(create_app(patient)) as api:
        send(api, f"{receiver}/callback")
        found = wait_for(lambda: settled(api), timeout=15)

    first, second = found["attempts"]
    assert (first["status_code"], second["status_code"]) == (code, 200)
    assert not_before(second, record.retry_after, first)


def not_before(
    attempt: dict[str, Any], retry_after: str, previous: dict[str, Any]
) -> bool:
    """
    Whether `attempt` started no earlier than `retry_after` (seconds or a date) allowed.
    """
    if retry_after.isdigit():
        return gap_s(previous, attempt) >= int(retry_after) - 0.1
    started = datetime.fromisoformat(attempt["started_at"])
    return started >= parsedate_to_datetime(retry_after)


def test_deliver_callback_clamps_retry_after_to_wait_max(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """A Retry-After longer than wait_max (0.5 s here) waits only wait_max."""
    record, receiver = recorder
    record.statuses.append(503)
    record.retry_after = "3600"

    send(api, f"{receiver}/callback")
    found = wait_for(lambda: settled(api))

    assert 0.4 <= gap_s(*found["attempts"]) < 1.5


def test_deliver_callback_ignores_malformed_retry_after(
    api: str, recorder: tuple[Recorder, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A Retry-After that is neither seconds nor a date is logged and ignored."""
    record, receiver = recorder
    record.statuses.append(503)
    record.retry_after = "soon"

    send(api, f"{receiver}/callback")
    found = wait_for(lambda: settled(api))

    assert gap_s(*found["attempts"]) < 1.0
    assert "malformed Retry-After 'soon' ignored" in caplog.text


def test_deliver_callback_stops_on_gone(
    api: str, recorder: tuple[Recorder, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A 410 fails the delivery at once, and it is listed as a dead letter."""
    record, receiver = recorder
    record.statuses.extend([410, 410, 410])

    webhook_id = send(api, f"{receiver}/callback")
    found = wait_for(lambda: settled(api))
    dead = httpx.get(f"{api}/deliveries", params={"status": "failed"}).json()

    assert found["status"] == "failed"
    assert len(found["attempts"]) == 1
    assert [d["webhook_id"] for d in dead["deliveries"]] == [webhook_id]
    assert "callback.failed" in caplog.text and "410 Gone" in caplog.text


def test_redeliver_failed_callback_arrives(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """A dead letter redelivered arrives with the same webhook id and body."""
    record, receiver = recorder
    record.statuses.extend([500, 500, 500])
    webhook_id = send(api, f"{receiver}/callback")
    wait_for(lambda: settled(api))

    response = httpx.post(f"{api}/deliveries/{webhook_id}/redeliver")
    found = wait_for(lambda: settled(api))

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert found["status"] == "delivered"
    assert [a["number"] for a in found["attempts"]] == [1, 2, 3, 4]
    assert {r.headers["webhook-id"] for r in record.requests} == {webhook_id}
    assert len({r.body for r in record.requests}) == 1


def test_redeliver_refuses_unknown_and_unfinished(api_settings: ApiSettings) -> None:
    """Redelivering an unknown id is a 404, an unfinished delivery a 409."""
    waiting = api_settings.model_copy(update={"payment_delay": 60.0})
    with serve(create_app(waiting)) as api:
        webhook_id = send(api, "http://127.0.0.1:9/callback")
        unknown = httpx.post(f"{api}/deliveries/msg_unknown/redeliver")
        scheduled = httpx.post(f"{api}/deliveries/{webhook_id}/redeliver")
        malformed = httpx.post(f"{api}/deliveries/not-an-id/redeliver")

    assert unknown.status_code == 404
    assert "msg_unknown" in unknown.json()["detail"]
    assert scheduled.status_code == 409
    assert "scheduled" in scheduled.json()["detail"]
    assert malformed.status_code == 422


def test_list_deliveries_pages_newest_first(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """Deliveries come newest first, a page at a time, with the next offset."""
    _, receiver = recorder
    for invoice_id in ("inv-1", "inv-2", "inv-3"):
        send(api, f"{receiver}/callback", invoice_id)
        wait_for(partial(settled, api, invoice_id))

    first = httpx.get(f"{api}/deliveries", params={"limit": 2}).json()
    rest = httpx.get(f"{api}/deliveries", params={"limit": 2, "offset": 2}).json()

    assert [d["invoice_id"] for d in first["deliveries"]] == ["inv-3", "inv-2"]
    assert first["next_offset"] == 2
    assert [d["invoice_id"] for d in rest["deliveries"]] == ["inv-1"]
    assert rest["next_offset"] is None


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"status": "bogus"}, id="status"),
        pytest.param({"limit": 0}, id="limit-zero"),
        pytest.param({"limit": 201}, id="limit-high"),
        pytest.param({"offset": -1}, id="offset"),
    ],
)
def test_list_deliveries_refuses_bad_query(api: str, query: dict[str, Any]) -> None:
    """A bad filter or page is a 422 naming the parameter."""
    response = httpx.get(f"{api}/deliveries", params=query)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(query))]


def test_list_invoice_deliveries_shows_attempt_log(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """An invoice's deliveries show target, status, attempts and next due time."""
    record, receiver = recorder
    record.statuses.append(500)
    webhook_id = send(api, f"{receiver}/callback")
    wait_for(lambda: settled(api))

    [delivery] = httpx.get(f"{api}/invoices/inv-1/deliveries").json()
    missing = httpx.get(f"{api}/invoices/nope/deliveries")

    assert delivery["webhook_id"] == webhook_id
    assert delivery["target_url"] == f"{receiver}/callback/invoices/inv-1"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert delivery["attempts"][0]["response_excerpt"] == '{"ok": true}'
    assert delivery["next_attempt_at"] is None
    assert missing.status_code == 404


def test_deliver_callback_caps_huge_answer(
    api: str, recorder: tuple[Recorder, str]
) -> None:
    """A 5 MB answer is read only as far as the 2 KiB excerpt."""
    record, receiver = recorder
    record.answer_size = 5_000_000

    send(api, f"{receiver}/callback")
    found = wait_for(lambda: settled(api))

    assert found["status"] == "delivered"
    assert len(found["attempts"][0]["response_excerpt"]) == 2048


@pytest.fixture
def isolated(api_settings: ApiSettings) -> Iterator[str]:
    """
    An API with a 3 s timeout, 3 sends at once and 2 per host.
    """
    settings = api_settings.model_copy(
        update={"timeout": 3.0, "concurrency": 3, "per_host": 2, "attempts": 5}
    )
    with serve(create_app(settings)) as url:
        yield url


def test_deliver_callback_times_out_on_silent_receiver(
    isolated: str, recorder: tuple[Recorder, str]
) -> None:
    """A receiver that never answers times out; other hosts' callbacks go meanwhile."""
    record, receiver = recorder
    with silent_server() as silent:
        for index in range(4):
            send(isolated, f"{silent}/callback", f"hang-{index}")
        wait_for(lambda: all(_claimed(isolated, f"hang-{i}") for i in range(4)))
        started = time.monotonic()
        send(isolated, f"{receiver}/callback", "fine")
        wait_for(lambda: record.requests, timeout=5)
        waited = time.monotonic() - started
        hung = wait_for(lambda: _tried(isolated, "hang-0"), 8)

    [attempt] = hung["attempts"]
    assert waited < 1.0
    assert "Timeout" in attempt["error"]
    assert 2950 <= attempt["duration_ms"] < 3500
    assert hung["status"] in ("pending", "delivering")
    assert hung["attempts_left"] == 4


def _tried(api: str, invoice_id: str) -> dict[str, Any] | None:
    found = callback(api, invoice_id)
    return found if found["attempts"] else None


def _claimed(api: str, invoice_id: str) -> bool:
    status: str = callback(api, invoice_id)["status"]
    return status == "delivering"


def dripping_app() -> FastAPI:
    """
    A receiver that answers 200 and then sends its body one byte every 0.2 s.
    """
    app = FastAPI()

    async def drip() -> AsyncIterator[bytes]:
        while True:
            yield b"."
            await asyncio.sleep(0.2)

    @app.post("/{path:path}")
    async def answer(path: str) -> StreamingResponse:
        return StreamingResponse(drip())

    return app


def test_deliver_callback_times_out_whole_request(isolated: str) -> None:
    """A body that trickles in forever is cut at the whole-request timeout."""
    with serve(dripping_app()) as dripping:
        send(isolated, f"{dripping}/callback")
        attempt = wait_for(lambda: callback(isolated)["attempts"], timeout=8)[0]

    assert attempt["error"] == "Timeout: no complete answer within 3 s"
    assert attempt["status_code"] is None


def test_deliver_callback_logs_retry_at_warning(
    api: str, recorder: tuple[Recorder, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Each retry is one WARNING line with the ids, the outcome and the wait."""
    record, receiver = recorder
    record.statuses.append(500)

    webhook_id = send(api, f"{receiver}/callback")
    wait_for(lambda: settled(api))

    [line] = [r for r in caplog.records if "retry_scheduled" in r.getMessage()]
    assert line.levelno == logging.WARNING
    assert f"invoice_id=inv-1 webhook_id={webhook_id} attempt=1" in line.getMessage()
    assert "outcome='500'" in line.getMessage()


def test_redeliver_pending_callback_now(
    api_settings: ApiSettings, recorder: tuple[Recorder, str]
) -> None:
    """A delivery parked by a long Retry-After can be sent at once by redeliver."""
    record, receiver = recorder
    record.statuses.append(503)
    record.retry_after = "3600"
    patient = api_settings.model_copy(update={"wait_max": 86400.0})

    with serve(create_app(patient)) as api:
        webhook_id = send(api, f"{receiver}/callback")
        wait_for(lambda: callback(api)["attempts"])
        response = httpx.post(f"{api}/deliveries/{webhook_id}/redeliver")
        found = wait_for(lambda: settled(api))

    assert response.status_code == 202
    assert found["status"] == "delivered"
    assert [a["status_code"] for a in found["attempts"]] == [503, 200]


def test_deliver_retry_on_time_with_slow_poll(
    api_settings: ApiSettings, recorder: tuple[Recorder, str]
) -> None:
    """A retry goes at its wait (0.1 s), not at the next poll (30 s away)."""
    record, receiver = recorder
    record.statuses.append(500)
    settings = api_settings.model_copy(update={"poll_interval": 30.0})

    with serve(create_app(settings)) as api:
        send(api, f"{receiver}/callback")
        found = wait_for(lambda: settled(api), timeout=10)

    assert found["status"] == "delivered"
    assert gap_s(*found["attempts"]) < 1.0
