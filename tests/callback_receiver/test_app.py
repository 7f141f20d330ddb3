"""
Tests of the application factory: start-up records and a restart on the same database.
"""

import logging

import httpx
import pytest

from callback_receiver.app import create_app
from callback_receiver.settings import DEMO_SECRET, ReceiverSettings
from tests.callback_receiver.signing import event_body, post_callback
from tests.servers import serve


def test_create_app_logs_start_up(
    settings: ReceiverSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up logs receiver.started with the configured host and port."""
    caplog.set_level(logging.INFO, logger="callback_receiver")

    with serve(create_app(settings)):
        messages = [record.getMessage() for record in caplog.records]

    assert f"receiver.started host=127.0.0.1 port={settings.port}" in messages
    assert not any(m.startswith("receiver.demo_secret") for m in messages)


def test_create_app_warns_of_demo_secret(
    settings: ReceiverSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up with the published demo secret logs a warning saying so."""
    caplog.set_level(logging.INFO, logger="callback_receiver")
    demo = settings.model_copy(update={"webhook_secret": DEMO_SECRET})

    with serve(create_app(demo)):
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]

    assert [r.msg.split()[0] for r in warnings] == ["receiver.demo_secret"]


def test_receive_invoice_event_duplicate_after_restart(
    settings: ReceiverSettings,
) -> None:
    """A webhook id seen before a restart is still a duplicate after it."""
    body = event_body("再送のテスト")
    answers = []

    for _ in range(2):
        with (
            serve(create_app(settings)) as base_url,
            httpx.Client(base_url=base_url) as client,
        ):
            answers.append(post_callback(client, "inv_7", body, "msg_restart"))
            events = client.get("/events").json()["events"]

    assert [answer.json() for answer in answers] == [{"ok": True}] * 2
    assert len(events) == 1
    assert events[0]["duplicates"] == 1
    assert events[0]["body"]["description"] == "再送のテスト"
