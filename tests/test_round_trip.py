"""
End to end: the invoice API and the callback receiver on real loopback servers.
"""

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callback_receiver.app import create_app as create_receiver
from callback_receiver.settings import ReceiverSettings
from invoice_api.app import create_app as create_api
from invoice_api.secrets import new_secret
from invoice_api.settings import ApiSettings
from tests.servers import free_port, run_module, serve, wait_for

TUTORIAL_INVOICE = {"id": "invoice123", "customer": "山田花子", "total": 12500}
EXPECTED_BODY = {
    "description": "Invoice invoice123 paid by 山田花子: 12500.00",
    "paid": True,
}


@pytest.fixture
def receiver_settings(tmp_path: Path) -> ReceiverSettings:
    """
    Receiver settings with a temporary database.
    """
    database = tmp_path / "receiver.db"
    return ReceiverSettings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{database}"
    )


@pytest.fixture
def receiver(receiver_settings: ReceiverSettings) -> Iterator[str]:
    """
    The callback receiver on a free loopback port; yields its base URL.
    """
    with serve(create_receiver(receiver_settings)) as url:
        yield url


def send(api: str, receiver: str) -> httpx.Response:
    """
    The request from FastAPI's callback tutorial, pointed at our receiver.
    """
    return httpx.post(
        f"{api}/invoices/",
        params={"callback_url": f"{receiver}/callback"},
        json=TUTORIAL_INVOICE,
    )


def events(receiver: str) -> list[dict[str, Any]]:
    """
    What the receiver holds for invoice123.
    """
    answer = httpx.get(f"{receiver}/events", params={"invoice_id": "invoice123"})
    found: list[dict[str, Any]] = answer.json()["events"]
    return found


def test_round_trip_delivers_verified_callback(api: str, receiver: str) -> None:
    """The tutorial request ends with one verified event with the exact body."""
    accepted = send(api, receiver).json()

    [event] = wait_for(lambda: events(receiver))

    assert event["webhook_id"] == accepted["callback"]["webhook_id"]
    assert event["verified"] is True
    assert event["body"] == EXPECTED_BODY
    assert event["invoice_id"] == "invoice123"


def test_round_trip_waits_for_receiver_to_start(
    api_settings: ApiSettings, receiver_settings: ReceiverSettings
) -> None:
    """With the receiver down the API answers at once; the callback comes later."""
    port = free_port()
    receiver = f"http://127.0.0.1:{port}"
    patient = api_settings.model_copy(update={"attempts": 50})

    with serve(create_api(patient)) as api:
        accepted = send(api, receiver)
        wait_for(lambda: _attempts(api) >= 2)
        with serve(create_receiver(receiver_settings), port=port):
            [event] = wait_for(lambda: events(receiver))

    assert accepted.status_code == 202
    assert accepted.elapsed.total_seconds() < 0.1
    assert event["body"] == EXPECTED_BODY


def test_round_trip_survives_api_kill(tmp_path: Path, receiver: str) -> None:
    """SIGKILL after the 202 and before delivery: a restarted API delivers once."""
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = {
        "INVOICE_API_PORT": str(port),
        "INVOICE_API_CALLBACK_ALLOWLIST": "127.0.0.1:*",
        "INVOICE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
        "INVOICE_API_PAYMENT_DELAY": "1.5",
    }

    with run_module("invoice_api", env, f"{api}/openapi.json", tmp_path / "a") as p:
        assert send(api, receiver).status_code == 202
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
    with run_module("invoice_api", env, f"{api}/openapi.json", tmp_path / "b"):
        wait_for(lambda: events(receiver), timeout=15)
        delivered = wait_for(lambda: _delivery_status(api) == "delivered")

    assert delivered
    assert len(events(receiver)) == 1
    assert events(receiver)[0]["duplicates"] == 0


def _attempts(api: str) -> int:
    view = httpx.get(f"{api}/invoices/invoice123").json()
    return len(view["callback"]["attempts"])


def _delivery_status(api: str) -> str:
    status: str = httpx.get(f"{api}/invoices/invoice123").json()["callback"]["status"]
    return status


@pytest.mark.parametrize("receiver_has", ["old", "new"])
def test_round_trip_during_secret_rotation(
    api_settings: ApiSettings, receiver_settings: ReceiverSettings, receiver_has: str
) -> None:
    """Signing with new and old secrets, the API reaches receivers holding either."""
    old, new = new_secret(), new_secret()
    rotating = api_settings.model_copy(
        update={"webhook_secret": new, "previous_webhook_secrets": (old,)}
    )
    secret = old if receiver_has == "old" else new
    holding = receiver_settings.model_copy(update={"webhook_secret": secret})

    with serve(create_api(rotating)) as api, serve(create_receiver(holding)) as url:
        send(api, url)
        [event] = wait_for(lambda: events(url))

    assert event["verified"] is True
    assert len(event["signature"].split(" ")) == 2
