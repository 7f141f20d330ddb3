"""
Tests of the client script, run as a user runs it, against real servers.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from callback_receiver.app import create_app as create_receiver
from callback_receiver.settings import ReceiverSettings
from tests.servers import ROOT, free_port, serve

SCRIPT = ROOT / "scripts" / "send_invoice.py"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[str]:
    """
    The callback receiver on a free loopback port.
    """
    settings = ReceiverSettings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    )
    with serve(create_receiver(settings)) as url:
        yield url


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    """
    Run the script in a child process with UTF-8 output.
    """
    return subprocess.run(
        [sys.executable, "-X", "utf8", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_send_invoice_follows_round_trip(api: str, receiver: str) -> None:
    """Against running servers it prints every step and exits 0."""
    result = run_script(
        "--api",
        api,
        "--receiver",
        receiver,
        "--callback-url",
        f"{receiver}/callback",
        "--id",
        "inv-script",
    )

    steps = [line.split()[2] for line in result.stdout.splitlines()[:4]]
    assert result.returncode == 0, result.stderr
    assert steps == ["accepted", "paid", "delivered", "verified"]
    assert "round trip complete for inv-script" in result.stdout


def test_send_invoice_reports_refused_invoice(api: str, receiver: str) -> None:
    """An invoice the API refuses exits 1 with the API's reason."""
    result = run_script("--api", api, "--receiver", receiver, "--total", "-5")

    assert result.returncode == 1
    assert "HTTP 422" in result.stderr
    assert "total" in result.stderr


def test_send_invoice_reports_server_not_running() -> None:
    """With no API listening it exits 3 and says which address and what to run."""
    api = f"http://127.0.0.1:{free_port()}"

    result = run_script("--api", api)

    assert result.returncode == 3
    assert api in result.stderr
    assert "honcho start" in result.stderr
    assert "Traceback" not in result.stderr


def test_send_invoice_reports_missing_callback(api: str, receiver: str) -> None:
    """When the callback cannot arrive it exits 4 with the delivery's last outcome."""
    nowhere = f"http://127.0.0.1:{free_port()}/callback"

    result = run_script(
        "--api",
        api,
        "--receiver",
        receiver,
        "--callback-url",
        nowhere,
        "--timeout",
        "2",
    )

    assert result.returncode == 4
    assert "no verified callback" in result.stderr
    assert "ClientConnectorError" in result.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(["--api", "notaurl"], "not an http:// or https:// URL", id="api"),
        pytest.param(["--receiver", "ftp://x"], "not an http://", id="receiver"),
        pytest.param(
            ["--timeout", "0"], "more than 0 and at most 3600", id="timeout-zero"
        ),
        pytest.param(["--timeout", "soon"], "soon", id="timeout-text"),
    ],
)
def test_send_invoice_refuses_bad_options(args: list[str], reason: str) -> None:
    """Bad options exit 2 with argparse's message naming the option."""
    result = run_script(*args)

    assert result.returncode == 2
    assert reason in result.stderr
    assert args[0] in result.stderr
