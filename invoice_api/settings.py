"""
Settings of the invoice API, read from `INVOICE_API_*` variables and `.env`.
"""

import base64
import ipaddress
import re
from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from invoice_api.retries import STANDARD_SCHEDULE
from kit_process.database_check import check_database_url

DEMO_SECRET = "whsec_aW52b2ljZS1jYWxsYmFjay1raXQgZGVtbyBzZWNyZXQ="
SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
DEMO_ALLOWLIST = ("127.0.0.1:8001",)
ALLOWLIST_ENTRY = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5}|\*)")


class ApiSettings(BaseSettings):
    """
    Everything the API process can be told; every default suits the local demo.
    """

    model_config = SettingsConfigDict(
        env_prefix="INVOICE_API_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # A bad secret must not reach a log or a console in an error message.
        hide_input_in_errors=True,
        # inf would put a payment or a retry off for ever; nan compares to nothing.
        allow_inf_nan=False,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = "sqlite:///data/invoice_api.db"
    webhook_secret: str = DEMO_SECRET
    # While rotating: older secrets to sign with too, so receivers not yet switched
    # keep verifying. Comma-separated in the environment.
    previous_webhook_secrets: Annotated[tuple[str, ...], NoDecode] = ()
    # host:port (or host:*) that may be called back although not public.
    callback_allowlist: Annotated[tuple[str, ...], NoDecode] = DEMO_ALLOWLIST
    payment_delay: float = Field(default=1.0, ge=0)

    # Delivery, in stamina's words: attempts in all, waits in seconds. The waits
    # follow `wait_schedule`; set it empty for exponential ones from `wait_initial`.
    attempts: int = Field(default=10, ge=1, le=100)
    wait_schedule: Annotated[tuple[float, ...], NoDecode] = STANDARD_SCHEDULE
    wait_initial: float = Field(default=5.0, ge=0)
    wait_max: float = Field(default=86400.0, ge=0)
    wait_jitter: float = Field(default=1.0, ge=0)
    timeout: float = Field(default=10.0, gt=0)

    concurrency: int = Field(default=32, ge=1, le=1000)
    per_host: int = Field(default=8, ge=1, le=1000)
    lease: float = Field(default=60.0, gt=0)
    poll_interval: float = Field(default=5.0, gt=0)

    @field_validator(
        "wait_schedule", "previous_webhook_secrets", "callback_allowlist", mode="before"
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        # "5,300,1800" in the environment; a tuple when given in code.
        if isinstance(value, str):
            return tuple(part for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("callback_allowlist")
    @classmethod
    def _check_allowlist(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if not ALLOWLIST_ENTRY.fullmatch(entry):
                raise ValueError(f"entry {entry!r} is not host:port or host:*")
        return value

    @field_validator("wait_schedule")
    @classmethod
    def _check_schedule(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(wait < 0 for wait in value):
            raise ValueError("must list waits of 0 seconds or more")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        # The API uses a blocking driver (see invoice_api/database.py).
        return check_database_url(value, False, "sqlite:///data/invoice_api.db")

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
                f"host {self.host!r} is not loopback: set INVOICE_API_WEBHOOK_SECRET "
                "to a secret of your own instead of the demo secret"
            )
        return self

    @model_validator(mode="after")
    def _refuse_demo_allowlist_off_loopback(self) -> Self:
        # Served to others, the demo's entry would let anyone call this host's 8001.
        implicit = "callback_allowlist" not in self.model_fields_set
        if implicit and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not loopback: set "
                "INVOICE_API_CALLBACK_ALLOWLIST yourself (empty for none) instead of "
                "the demo's 127.0.0.1:8001"
            )
        return self

    @model_validator(mode="after")
    def _check_lease_outlasts_timeout(self) -> Self:
        # A claim may wait for one round of sends to its host, then take its own.
        if self.lease <= 2 * self.timeout:
            raise ValueError(
                f"lease {self.lease} s must be longer than twice timeout "
                f"{self.timeout} s"
            )
        return self


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
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache
def get_settings() -> ApiSettings:
    """
    Read the settings once per process.
    """
    return ApiSettings()
