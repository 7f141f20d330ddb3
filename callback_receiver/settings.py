"""
Settings of the callback receiver, read from `CALLBACK_RECEIVER_*` variables and `.env`.
"""

import base64
import ipaddress
from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kit_process.database_check import check_database_url

# The invoice API ships the same demo value, so the local demo works with no setup.
DEMO_SECRET = "whsec_aW52b2ljZS1jYWxsYmFjay1raXQgZGVtbyBzZWNyZXQ="
SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24


class ReceiverSettings(BaseSettings):
    """
    Everything the receiver process can be told; every default suits the local demo.
    """

    model_config = SettingsConfigDict(
        env_prefix="CALLBACK_RECEIVER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # A bad secret must not reach a log or a console in an error message.
        hide_input_in_errors=True,
        # No number setting may be infinite or not a number.
        allow_inf_nan=False,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8001, ge=1, le=65535)
    webhook_secret: str = DEMO_SECRET
    # While rotating: older secrets still accepted. Comma-separated in the environment.
    previous_webhook_secrets: Annotated[tuple[str, ...], NoDecode] = ()
    # How far a webhook-timestamp may be from now, either way, in seconds.
    timestamp_tolerance: int = Field(default=300, ge=1, le=86400)
    database_url: str = "sqlite+aiosqlite:///data/callback_receiver.db"
    # Lets anyone who reaches the receiver make it fail callbacks on purpose.
    failure_mode_enabled: bool = True

    @field_validator("previous_webhook_secrets", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        # The inbox runs on SQLAlchemy's asyncio extension, with an asyncio driver.
        return check_database_url(
            value, True, "sqlite+aiosqlite:///data/callback_receiver.db"
        )

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        return check_secret(value)

    @field_validator("previous_webhook_secrets")
    @classmethod
    def _check_previous(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_secret(item) for item in value)

    @model_validator(mode="after")
    def _refuse_demo_secret_off_loopback(self) -> Self:
        secrets = (self.webhook_secret, *self.previous_webhook_secrets)
        if DEMO_SECRET in secrets and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not loopback: set "
                "CALLBACK_RECEIVER_WEBHOOK_SECRET to a secret of your own instead "
                "of the demo secret"
            )
        return self

    @model_validator(mode="after")
    def _refuse_implicit_failure_mode_off_loopback(self) -> Self:
        # Served to others, /failure-mode would let anyone make callbacks fail.
        implicit = "failure_mode_enabled" not in self.model_fields_set
        if implicit and self.failure_mode_enabled and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not loopback: set "
                "CALLBACK_RECEIVER_FAILURE_MODE_ENABLED yourself (false to serve "
                "no /failure-mode)"
            )
        return self

    @property
    def uses_demo_secret(self) -> bool:
        """
        Tell whether the webhook secret is still the published demo value.
        """
        return self.webhook_secret == DEMO_SECRET


def check_secret(value: str) -> str:
    """
    Return a `whsec_` secret in its canonical spelling, so that two spellings of one
    key compare equal; refuse one that is malformed or short, never echoing it.
    """
    if not value.startswith(SECRET_PREFIX):
        raise ValueError("a secret must start with 'whsec_'")
    try:
        key = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError as exc:
        raise ValueError("the part after 'whsec_' is not base64") from exc
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(
            f"a secret of {len(key)} bytes; at least {MIN_SECRET_BYTES} are needed"
        )
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def is_loopback(host: str) -> bool:
    """
    Tell whether `host` names this machine only (127.0.0.0/8, ::1 or localhost).
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache
def get_settings() -> ReceiverSettings:
    """
    Read the settings once per process.
    """
    return ReceiverSettings()
