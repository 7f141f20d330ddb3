"""
Tests of the API's settings.
"""

import pytest
from pydantic import ValidationError

from invoice_api.settings import DEMO_SECRET, ApiSettings

OWN_SECRET = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("0.0.0.0", id="all-interfaces"),
        pytest.param("192.168.1.10", id="private"),
        pytest.param("example.com", id="name"),
    ],
)
def test_settings_refuse_demo_secret_off_loopback(host: str) -> None:
    """The demo secret on a non-loopback host refuses to start, naming the host."""
    with pytest.raises(ValidationError, match=host):
        ApiSettings(_env_file=None, host=host)


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("127.0.0.1", id="ipv4"),
        pytest.param("127.0.0.2", id="ipv4-range"),
        pytest.param("::1", id="ipv6"),
        pytest.param("localhost", id="name"),
    ],
)
def test_settings_accept_demo_secret_on_loopback(host: str) -> None:
    """On loopback the demo secret is allowed."""
    settings = ApiSettings(_env_file=None, host=host)

    assert settings.webhook_secret == DEMO_SECRET


def test_settings_accept_own_secret_off_loopback() -> None:
    """A secret of one's own may be served on any host."""
    settings = ApiSettings(
        _env_file=None, host="0.0.0.0", webhook_secret=OWN_SECRET, callback_allowlist=()
    )

    assert settings.host == "0.0.0.0"


def test_settings_refuse_demo_allowlist_off_loopback() -> None:
    """Off loopback the demo's allow-list must be replaced, even if by nothing."""
    with pytest.raises(ValidationError, match="INVOICE_API_CALLBACK_ALLOWLIST"):
        ApiSettings(_env_file=None, host="0.0.0.0", webhook_secret=OWN_SECRET)


def test_settings_read_lists_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allow-list, previous secrets and schedule are comma-separated variables."""
    monkeypatch.setenv("INVOICE_API_CALLBACK_ALLOWLIST", "127.0.0.1:8001, [::1]:*")
    monkeypatch.setenv("INVOICE_API_PREVIOUS_WEBHOOK_SECRETS", OWN_SECRET)
    monkeypatch.setenv("INVOICE_API_WAIT_SCHEDULE", "1,2.5")

    settings = ApiSettings(_env_file=None)

    assert settings.callback_allowlist == ("127.0.0.1:8001", "[::1]:*")
    assert settings.previous_webhook_secrets == (OWN_SECRET,)
    assert settings.wait_schedule == (1.0, 2.5)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        pytest.param("callback_allowlist", ("127.0.0.1",), "host:port", id="no-port"),
        pytest.param("callback_allowlist", ("a b:80",), "host:port", id="space"),
        pytest.param(
            "previous_webhook_secrets", ("whsec_c2hvcnQ=",), "5 bytes", id="short"
        ),
        pytest.param("wait_schedule", (1.0, -1.0), "0 seconds or more", id="negative"),
    ],
)
def test_settings_refuse_bad_lists(field: str, value: object, reason: str) -> None:
    """A malformed list entry refuses to start, naming the setting."""
    with pytest.raises(ValidationError, match=reason):
        ApiSettings.model_validate({field: value})


def test_settings_ignore_honcho_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """honcho's PORT is not ours; INVOICE_API_PORT is."""
    monkeypatch.setenv("PORT", "5000")

    assert ApiSettings(_env_file=None).port == 8000
    monkeypatch.setenv("INVOICE_API_PORT", "8123")
    assert ApiSettings(_env_file=None).port == 8123


def test_settings_refuse_lease_shorter_than_timeout() -> None:
    """A lease that could run out during a send is refused, naming both values."""
    with pytest.raises(ValidationError, match="lease 5.0 s must be longer"):
        ApiSettings(_env_file=None, lease=5, timeout=10)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        pytest.param("", "start with", id="empty"),
        pytest.param(
            "aW52b2ljZS1jYWxsYmFjay1raXQgZGVtbyBzZWNyZXQ=", "start with", id="no-prefix"
        ),
        pytest.param("whsec_", "0 bytes", id="prefix-only"),
        pytest.param("whsec_not*base64!", "not base64", id="not-base64"),
        pytest.param("whsec_c2hvcnQ=", "5 bytes", id="too-short"),
    ],
)
def test_settings_refuse_unusable_secret(secret: str, reason: str) -> None:
    """A secret that cannot sign safely refuses to start, without echoing it."""
    with pytest.raises(ValidationError, match=reason) as caught:
        ApiSettings(_env_file=None, webhook_secret=secret)

    assert f"'{secret}'" not in str(caught.value)


def test_settings_refuse_demo_secret_as_previous_off_loopback() -> None:
    """Off loopback the demo secret is refused among the previous secrets too."""
    with pytest.raises(ValidationError, match="demo secret"):
        ApiSettings(
            _env_file=None,
            host="0.0.0.0",
            webhook_secret=OWN_SECRET,
            previous_webhook_secrets=(DEMO_SECRET,),
            callback_allowlist=(),
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("sqlite+aiosqlite:///x.db", "asyncio driver", id="aiosqlite"),
        pytest.param("postgresql+asyncpg://u:pw@h/db", "asyncio driver", id="asyncpg"),
        pytest.param("not a url", "is not a URL", id="not-a-url"),
        pytest.param("nodb://u:pw@h/db", "unknown database", id="unknown-dialect"),
    ],
)
def test_settings_refuse_unusable_database_url(url: str, reason: str) -> None:
    """A database URL the API cannot use is refused, naming why but no password."""
    with pytest.raises(ValidationError, match=reason) as caught:
        ApiSettings(_env_file=None, database_url=url)

    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    "field",
    [
        "payment_delay",
        "wait_initial",
        "wait_max",
        "wait_jitter",
        "timeout",
        "lease",
        "poll_interval",
    ],
)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "NaN"])
def test_settings_refuse_non_finite_number(
    field: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """inf and nan in any number setting are refused as not finite."""
    monkeypatch.setenv(f"INVOICE_API_{field.upper()}", value)

    with pytest.raises(ValidationError, match="finite number") as caught:
        ApiSettings(_env_file=None)

    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


def test_settings_refuse_non_finite_wait_in_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An infinite wait in the schedule is refused, naming its place in the list."""
    monkeypatch.setenv("INVOICE_API_WAIT_SCHEDULE", "1,inf")

    with pytest.raises(ValidationError, match="finite number") as caught:
        ApiSettings(_env_file=None)

    assert [error["loc"] for error in caught.value.errors()] == [("wait_schedule", 1)]
