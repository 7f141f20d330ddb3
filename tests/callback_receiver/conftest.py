"""
Fixtures for the receiver: settings on a temporary database, and a real server.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from callback_receiver.app import create_app
from callback_receiver.settings import ReceiverSettings
from tests.callback_receiver.signing import SECRET
from tests.servers import serve


@pytest.fixture
def settings(tmp_path: Path) -> ReceiverSettings:
    """
    Loopback settings with a test secret and a database under `tmp_path`.
    """
    return ReceiverSettings(
        _env_file=None,
        host="127.0.0.1",
        webhook_secret=SECRET,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'inbox.db'}",
    )


@pytest.fixture
def client(settings: ReceiverSettings) -> Iterator[httpx.Client]:
    """
    A client of the receiver running under uvicorn on a free loopback port.
    """
    with serve(create_app(settings)) as base_url:
        with httpx.Client(base_url=base_url, timeout=10.0) as http:
            yield http
