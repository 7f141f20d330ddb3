"""
Tests of the receiver settings: safe defaults, and refusals that name the problem.
"""

from pathlib import Path

import pytest
from pydantic import ValidationError

from callback_receiver.settings import (
    DEMO_SECRET,
    ReceiverSettings,
    get_settings,
    is_loopback,
)
from tests.callback_receiver.signing import SECRET


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's CALLBACK_RECEIVER_* variables out of these tests."""
    for name in (
        "HOST",
        "PORT",
        "WEBHOOK_SECRET",
        "DATABASE_URL",
        "FAILURE_MODE_ENABLED",
    ):
        monkeypatch.delenv(f"CALLBACK_RECEIVER_{name}", raising=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_accept_demo_secret_on_loopback(host: str) -> None:
    """The demo secret is fine while only this machine can reach the receiver."""
    settings = ReceiverSettings(_env_file=None, host=host)

    assert settings.webhook_secret == DEMO_SECRET
    assert settings.uses_demo_secret is True


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com"])
def test_refuse_demo_secret_off_loopback(host: str) -> None:
    """The demo secret on a reachable host is refused with a message naming both."""
    with pytest.raises(ValidationError) as caught:
        ReceiverSettings(_env_file=None, host=host)

    assert repr(host) in str(caught.value)
    assert "demo secret" in str(caught.value)


def test_accept_own_secret_off_loopback() -> None:
    """A secret of one's own may be served on any host."""
    settings = ReceiverSettings(
        _env_file=None,
        host="0.0.0.0",
        webhook_secret=SECRET,
        failure_mode_enabled=False,
    )

    assert settings.uses_demo_secret is False


def test_refuse_implicit_failure_mode_off_loopback() -> None:
    """Off loopback the failure mode must be switched on or off explicitly."""
    with pytest.raises(ValidationError, match="FAILURE_MODE_ENABLED"):
        ReceiverSettings(_env_file=None, host="0.0.0.0", webhook_secret=SECRET)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        pytest.param("", "start with", id="empty"),
        pytest.param(
            "aW52b2ljZS1jYWxsYmFjay1raXQgZGVtbyBzZWNyZXQ=", "start with", id="no-prefix"
        ),
        pytest.param("whsec_", "0 bytes", id="prefix-only"),
        pytest.param("whsec_a", "not base64", id="bad-base64"),
        pytest.param("whsec_c2hvcnQ=", "5 bytes", id="too-short"),
    ],
)
def test_refuse_unusable_secret(secret: str, reason: str) -> None:
    """A secret that cannot sign safely is refused without echoing it."""
    with pytest.raises(ValidationError, match=reason) as caught:
        ReceiverSettings(_env_file=None, webhook_secret=secret)

    assert f"'{secret}'" not in str(caught.value)


def test_read_settings_ignores_honcho_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only CALLBACK_RECEIVER_PORT sets the port; honcho's PORT is ignored."""
    monkeypatch.setenv("PORT", "5000")

    default = ReceiverSettings(_env_file=None)
    monkeypatch.setenv("CALLBACK_RECEIVER_PORT", "8123")
    prefixed = ReceiverSettings(_env_file=None)

    assert default.port == 8001
    assert prefixed.port == 8123


def test_read_settings_from_env_file(tmp_path: Path) -> None:
    """The .env file is read with the prefix, and unrelated keys are ignored."""
    env_file = tmp_path / ".env"
    env_file.write_text(
        "PORT=5000\nCALLBACK_RECEIVER_PORT=8124\nINVOICE_API_PORT=8000\n",
        encoding="utf-8",
    )

    settings = ReceiverSettings(_env_file=env_file)

    assert settings.port == 8124


def test_read_settings_failure_mode_enabled_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The failure mode is on for the demo and off with its variable set false."""
    default = ReceiverSettings(_env_file=None)
    monkeypatch.setenv("CALLBACK_RECEIVER_FAILURE_MODE_ENABLED", "false")
    disabled = ReceiverSettings(_env_file=None)

    assert default.failure_mode_enabled is True
    assert disabled.failure_mode_enabled is False


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("127.0.0.1", True, id="ipv4"),
        pytest.param("::1", True, id="ipv6"),
        pytest.param("LOCALHOST", True, id="name"),
        pytest.param("0.0.0.0", False, id="any"),
        pytest.param("localhost.example.com", False, id="lookalike"),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    """Only addresses and names of this machine count as loopback."""
    result = is_loopback(host)

    assert result is expected


def test_get_settings_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """get_settings reads the environment once and then returns the same object."""
    monkeypatch.setenv("CALLBACK_RECEIVER_PORT", "8125")
    get_settings.cache_clear()

    first = get_settings()
    monkeypatch.setenv("CALLBACK_RECEIVER_PORT", "8126")
    second = get_settings()
    get_settings.cache_clear()

    assert first is second
    assert first.port == 8125


def test_read_settings_rotation_and_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Previous secrets are comma-separated; the tolerance is whole seconds."""
    monkeypatch.setenv("CALLBACK_RECEIVER_PREVIOUS_WEBHOOK_SECRETS", f"{SECRET}, ")
    monkeypatch.setenv("CALLBACK_RECEIVER_TIMESTAMP_TOLERANCE", "60")

    settings = ReceiverSettings(_env_file=None)

    assert settings.previous_webhook_secrets == (SECRET,)
    assert settings.timestamp_tolerance == 60


def test_refuse_demo_secret_as_previous_off_loopback() -> None:
    """Off loopback the demo secret is refused among the previous secrets too."""
    with pytest.raises(ValidationError, match="demo secret"):
        ReceiverSettings(
            _env_file=None,
            host="0.0.0.0",
            webhook_secret=SECRET,
            previous_webhook_secrets=(DEMO_SECRET,),
            failure_mode_enabled=False,
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            "sqlite:///x.db", "'sqlite'; this server needs an asyncio one", id="sqlite"
        ),
        pytest.param("postgresql://u:pw@h/db", "blocking driver", id="psycopg2"),
        pytest.param("not a url", "is not a URL", id="not-a-url"),
        pytest.param("nodb://u:pw@h/db", "unknown database", id="unknown-dialect"),
    ],
)
def test_refuse_unusable_database_url(url: str, reason: str) -> None:
    """A database URL the receiver cannot use is refused, with the fix, no password."""
    with pytest.raises(ValidationError, match=reason) as caught:
        ReceiverSettings(_env_file=None, database_url=url)

    assert "pw" not in str(caught.value)


def test_accept_asyncio_database_url() -> None:
    """An asyncio driver, such as aiosqlite or asyncpg, is taken."""
    url = "postgresql+asyncpg://u:pw@h/db"

    assert ReceiverSettings(_env_file=None, database_url=url).database_url == url
