"""
Fixtures shared by every test: settings that point at temporary files.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from invoice_api.app import create_app
from invoice_api.settings import ApiSettings
from tests.recorder import Recorder, recorder_app
from tests.servers import serve


@pytest.fixture
def api_settings(tmp_path: Path) -> ApiSettings:
    """
    API settings for fast tests: a temporary database, short delays and waits.
    """
    return ApiSettings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        payment_delay=0.05,
        wait_schedule=(),
        callback_allowlist=("127.0.0.1:*",),
        wait_initial=0.1,
        wait_max=0.5,
        wait_jitter=0.0,
        attempts=3,
        timeout=2.0,
        poll_interval=0.5,
    )


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    """
    A recording receiver on a free loopback port, with its base URL.
    """
    record = Recorder()
    with serve(recorder_app(record)) as url:
        yield record, url


@pytest.fixture
def api(api_settings: ApiSettings) -> Iterator[str]:
    """
    The invoice API on a free loopback port; yields its base URL.
    """
    with serve(create_app(api_settings)) as url:
        yield url
