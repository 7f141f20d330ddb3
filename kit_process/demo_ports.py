"""
The demo's two ports as the scripts read them: from the environment, else from the
project's `.env` (found beside `scripts/`, not in the current folder), else 8000
and 8001, the servers' defaults.
"""

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit_process.console import describe_settings_error
from kit_process.env_file import env_file_problem


class DemoPorts(BaseSettings):
    """
    The two servers' ports, from the variables the servers read.
    """

    model_config = SettingsConfigDict(env_file_encoding="utf-8", extra="ignore")

    invoice_api_port: int = Field(default=8000, ge=1, le=65535)
    callback_receiver_port: int = Field(default=8001, ge=1, le=65535)


class DemoPortsError(Exception):
    """
    The ports cannot be read; the message names the file or the variable, and why.
    """


def read_demo_ports(env_file: Path) -> DemoPorts:
    """
    The ports from the environment and `env_file`; raise `DemoPortsError` if the
    file cannot be read or a port is not one.
    """
    problem = env_file_problem(env_file)
    if problem is not None:
        raise DemoPortsError(problem)
    try:
        return DemoPorts(_env_file=env_file)
    except ValidationError as exc:
        reason = describe_settings_error(exc, "")
        raise DemoPortsError(f"invalid port setting: {reason}") from exc


def project_env_file(script: str) -> Path:
    """
    The `.env` of the project that holds `script` (a file in its `scripts/`).
    """
    # absolute(), not resolve(): a project linked together from elsewhere keeps
    # its own .env.
    return Path(script).absolute().parent.parent / ".env"
