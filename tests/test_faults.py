"""
Whole-process faults: SIGKILL mid-delivery, graceful stops, and a bounded soak.
"""

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.recorder import Recorder, recorder_app
from tests.servers import (
    ROOT,
    free_port,
    memory_mb,
    run_module,
    serve,
    silent_server,
    wait_for,
)

logger = logging.getLogger(__name__)


def api_env(tmp_path: Path, port: int, **settings: object) -> dict[str, str]:
    """
    Environment for an API process with a temporary database and fast retries.
    """
    base = {
        "PORT": port,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
        "PAYMENT_DELAY": 0,
        "WAIT_SCHEDULE": "",
        "WAIT_INITIAL": 0.2,
        "WAIT_MAX": 1,
        "WAIT_JITTER": 0,
        "ATTEMPTS": 30,
        "POLL_INTERVAL": 0.5,
        "CALLBACK_ALLOWLIST": "127.0.0.1:*",
    }
    return {f"INVOICE_API_{k}": str(v) for k, v in {**base, **settings}.items()}


def statuses(tmp_path: Path) -> dict[str, int]:
    """
    How many deliveries are in each status, read from the API's database.
    """
    with sqlite3.connect(tmp_path / "api.db") as conn:
        rows = conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
        return dict(rows.fetchall())


def post_invoices(
    api: str, receiver: str, count: int, pace: float = 0.0, start: int = 0
) -> None:
    """
    Send invoices `start` to `start + count - 1`, one every `pace` s, all accepted.
    """
    with httpx.Client(timeout=10) as client:
        for index in range(start, start + count):
            started = time.monotonic()
            response = client.post(
                f"{api}/invoices/",
                params={"callback_url": f"{receiver}/callback"},
                json={"id": f"inv-{index}", "customer": "山田花子", "total": index},
            )
            assert response.status_code == 202, response.text
            time.sleep(max(0.0, pace - (time.monotonic() - started)))


@pytest.fixture
def slow_receiver() -> Iterator[tuple[Recorder, str]]:
    """
    A receiver that takes 50 ms over each callback.
    """
    record = Recorder(delay=0.05)
    with serve(recorder_app(record)) as url:
        yield record, url


def test_kill_api_mid_delivery_loses_nothing(
    tmp_path: Path, slow_receiver: tuple[Recorder, str]
) -> None:
    """SIGKILL with 200 callbacks half sent: after a restart all 200 arrive."""
    record, receiver = slow_receiver
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = api_env(tmp_path, port, LEASE=3, TIMEOUT=1)

    with run_module("invoice_api", env, f"{api}/docs", tmp_path / "a.log") as first:
        post_invoices(api, receiver, 200)
        wait_for(lambda: len(record.requests) >= 30)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    sent_before_kill = len(record.requests)
    with run_module("invoice_api", env, f"{api}/docs", tmp_path / "b.log"):
        wait_for(lambda: statuses(tmp_path) == {"delivered": 200}, timeout=60)

    ids = {request.headers["webhook-id"] for request in record.requests}
    paths = {request.path for request in record.requests}
    assert 30 <= sent_before_kill < 200
    assert len(ids) == 200
    assert paths == {f"/callback/invoices/inv-{index}" for index in range(200)}


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_stop_api_gracefully_releases_delivery(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """Ctrl+C or SIGTERM mid-send stops within seconds; the delivery is due again."""
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = api_env(tmp_path, port, TIMEOUT=30, LEASE=61)

    with silent_server() as silent:
        with run_module("invoice_api", env, f"{api}/docs", tmp_path / "log") as proc:
            post_invoices(api, silent, 1)
            wait_for(lambda: statuses(tmp_path) == {"delivering": 1})
            started = time.monotonic()
            proc.send_signal(stop)
            proc.wait(timeout=15)
            stopped_in = time.monotonic() - started

    with sqlite3.connect(tmp_path / "api.db") as conn:
        lease = conn.execute("SELECT lease_until FROM deliveries").fetchone()[0]
    assert stopped_in < 5
    assert statuses(tmp_path) == {"pending": 1}
    assert lease is None


def test_soak_round_trip_with_flaky_receiver(tmp_path: Path) -> None:
    """2,000 invoices, every 10th callback answered 500: all delivered, memory flat."""
    port, receiver_port = free_port(), free_port()
    api, receiver = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{receiver_port}"
    recorder = subprocess.Popen(
        [sys.executable, "-m", "tests.recorder", str(receiver_port), "10"], cwd=ROOT
    )
    try:
        wait_for(lambda: _answers(f"{receiver}/stats"))
        with run_module(
            "invoice_api", api_env(tmp_path, port), f"{api}/docs", tmp_path / "log"
        ) as proc:
            started = time.monotonic()
            post_invoices(api, receiver, 500, pace=0.01)
            early_mb = memory_mb(proc.pid)[0]
            post_invoices(api, receiver, 1500, pace=0.01, start=500)
            wait_for(lambda: statuses(tmp_path) == {"delivered": 2000}, timeout=120)
            elapsed = time.monotonic() - started
            api_mb, api_peak_mb = memory_mb(proc.pid)
        stats = httpx.get(f"{receiver}/stats").json()
        receiver_peak_mb = memory_mb(recorder.pid)[1]
    finally:
        recorder.terminate()
        recorder.wait(timeout=10)

    logger.info(
        "soak.finished invoices=2000 attempts=%d elapsed_s=%.1f api_rss_mb=%.0f "
        "api_peak_mb=%.0f receiver_peak_mb=%.0f",
        stats["requests"],
        elapsed,
        api_mb,
        api_peak_mb,
        receiver_peak_mb,
    )
    assert stats["distinct"] == 2000
    assert stats["requests"] >= 2000 * 1.1
    assert api_mb - early_mb < 30


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
