"""
Tests of the callback URL policy: every spelling of an inner address is refused.
"""

import asyncio
import ipaddress
import sqlite3
from typing import Any

import httpx
import pytest

from invoice_api.app import create_app
from invoice_api.callback_policy import CallbackPolicy, CallbackPolicyError, refusal
from invoice_api.settings import ApiSettings
from tests.recorder import Recorder
from tests.servers import serve, wait_for


def check(url: str, *allowlist: str) -> str:
    """
    Run the policy on `url`; return the address it would connect to.
    """
    target = asyncio.run(CallbackPolicy(allowlist).check(url))
    return str(target.address)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("http://127.0.0.1/", "loopback", id="loopback"),
        pytest.param("http://2130706433/", "loopback", id="decimal"),
        pytest.param("http://0x7f000001/", "loopback", id="hex"),
        pytest.param("http://0177.0.0.1/", "loopback", id="octal"),
        pytest.param("http://127.1/", "loopback", id="short"),
        pytest.param("http://0x7f.1/", "loopback", id="hex-short"),
        pytest.param("http://localhost:8001/", "loopback", id="name"),
        pytest.param("http://[::1]/", "loopback", id="ipv6-loopback"),
        pytest.param(
            "http://[::ffff:127.0.0.1]/",
            "an IPv6 form of a loopback address",
            id="ipv4-mapped",
        ),
        pytest.param("http://[::ffff:7f00:1]/", "IPv6 form", id="ipv4-mapped-hex"),
        pytest.param("http://[64:ff9b::7f00:1]/", "IPv6 form", id="nat64"),
        pytest.param("http://[2002:7f00:1::]/", "IPv6 form", id="6to4"),
        pytest.param("http://10.1.2.3/", "private", id="private-10"),
        pytest.param("http://172.16.5.4/", "private", id="private-172"),
        pytest.param("http://192.168.1.1/", "private", id="private-192"),
        pytest.param("http://[fd00::1]/", "private", id="ipv6-unique-local"),
        pytest.param("http://169.254.169.254/latest", "link-local", id="metadata"),
        pytest.param("http://[fe80::1]/", "link-local", id="ipv6-link-local"),
        pytest.param("http://100.64.0.1/", "carrier-grade NAT", id="cgnat"),
        pytest.param("http://224.0.0.1/", "multicast", id="multicast"),
        pytest.param("http://[ff02::1]/", "multicast", id="ipv6-multicast"),
        pytest.param("http://0.0.0.0/", "an unspecified address", id="unspecified"),
        pytest.param("http://[::]/", "unspecified", id="ipv6-unspecified"),
        pytest.param("http://240.0.0.1/", "reserved", id="reserved"),
        pytest.param("http://192.0.2.10/", "private", id="test-net"),
    ],
)
def test_check_callback_url_refuses_inner_address(url: str, reason: str) -> None:
    """Each inner or special address, in any spelling, is refused with its kind."""
    with pytest.raises(CallbackPolicyError, match=reason):
        check(url)


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("93.184.216.34", id="ipv4"),
        pytest.param("2606:4700:4700::1111", id="ipv6"),
        pytest.param("8.8.8.8", id="ipv4-dns"),
    ],
)
def test_refusal_allows_public_address(address: str) -> None:
    """A public unicast address is fine (checked without any traffic)."""
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "allowlist"),
    [
        pytest.param("http://127.0.0.1:8001/callback", "127.0.0.1:8001", id="exact"),
        pytest.param("http://127.0.0.1:9999/callback", "127.0.0.1:*", id="any-port"),
        pytest.param("http://[::1]:8001/", "[::1]:8001", id="ipv6"),
        pytest.param("http://LOCALHOST:8001/", "localhost:8001", id="case"),
    ],
)
def test_check_callback_url_allows_listed(url: str, allowlist: str) -> None:
    """An allow-listed host:port is called although it is not public."""
    assert ipaddress.ip_address(check(url, allowlist)).is_loopback


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:8002/", id="other-port"),
        pytest.param("http://2130706433:8001/", id="other-spelling"),
        pytest.param("http://localhost:8001/", id="other-name"),
    ],
)
def test_check_callback_url_allowlist_is_literal(url: str) -> None:
    """Only the host:port as written on the allow-list is let through."""
    with pytest.raises(CallbackPolicyError, match="loopback"):
        check(url, "127.0.0.1:8001")


def test_create_invoice_refuses_inner_callback_url(api_settings: ApiSettings) -> None:
    """Submitting a private callback URL is a 422 naming callback_url and why."""
    strict = api_settings.model_copy(update={"callback_allowlist": ()})
    with serve(create_app(strict)) as api:
        response = httpx.post(
            f"{api}/invoices/",
            params={"callback_url": "http://0x7f000001:8001/callback"},
            json={"id": "inv-1", "customer": "a", "total": 1},
        )

    [error] = response.json()["detail"]
    assert response.status_code == 422
    assert error["loc"] == ["query", "callback_url"]
    assert "127.0.0.1, a loopback address" in error["msg"]


def test_deliver_callback_rechecks_policy_at_send(
    api_settings: ApiSettings, recorder: tuple[Recorder, str]
) -> None:
    """A callback accepted under one policy is refused at send time by a stricter."""
    record, receiver = recorder
    slow = api_settings.model_copy(update={"payment_delay": 60.0})
    with serve(create_app(slow)) as api:
        httpx.post(
            f"{api}/invoices/",
            params={"callback_url": f"{receiver}/callback"},
            json={"id": "inv-1", "customer": "a", "total": 1},
        )
    _pay_now(api_settings)

    strict = api_settings.model_copy(update={"callback_allowlist": ()})
    with serve(create_app(strict)) as api:
        attempts = wait_for(lambda: _attempts(api))

    assert attempts[0]["error"].startswith("Refused: 127.0.0.1 resolves to 127.0.0.1")
    assert record.requests == []


def test_deliver_callback_connects_to_checked_address(
    api_settings: ApiSettings, recorder: tuple[Recorder, str]
) -> None:
    """A named host is resolved, checked and connected to; Host still names it."""
    record, receiver = recorder
    port = receiver.rsplit(":", 1)[1]
    named = api_settings.model_copy(update={"callback_allowlist": ("localhost:*",)})

    with serve(create_app(named)) as api:
        httpx.post(
            f"{api}/invoices/",
            params={"callback_url": f"http://localhost:{port}/callback"},
            json={"id": "inv-1", "customer": "a", "total": 1},
        )
        wait_for(lambda: record.requests)

    assert record.requests[0].headers["host"] == f"localhost:{port}"
    assert record.requests[0].path == "/callback/invoices/inv-1"


def _attempts(api: str) -> list[dict[str, Any]]:
    attempts: list[dict[str, Any]] = httpx.get(f"{api}/invoices/inv-1").json()[
        "callback"
    ]["attempts"]
    return attempts


def _pay_now(settings: ApiSettings) -> None:
    database = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE invoices SET pay_at = 0")
