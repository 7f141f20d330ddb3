"""
Tests of the client script, run as a user runs it, against real servers.
"""

import os
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


def run_script(
    *args: str, project: Path | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """
    Run the script of `project` (the real one by default) from `cwd`, with UTF-8
    output and no INVOICE_API_* or CALLBACK_RECEIVER_* variables of the caller.
    """
    script = SCRIPT if project is None else project / "scripts" / SCRIPT.name
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INVOICE_API_", "CALLBACK_RECEIVER_"))
    }
    return subprocess.run(
        [sys.executable, "-X", "utf8", str(script), *args],
        cwd=cwd,
        env=env,
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


def test_send_invoice_reads_ports_from_project_env_file(
    api: str, receiver: str, project: Path, elsewhere: Path
) -> None:
    """Run from another folder, it takes its default URLs from the project's .env."""
    api_port, receiver_port = api.rsplit(":", 1)[1], receiver.rsplit(":", 1)[1]
    (project / ".env").write_text(
        f"INVOICE_API_PORT={api_port}\nCALLBACK_RECEIVER_PORT={receiver_port}\n",
        encoding="ascii",
    )
    (elsewhere / ".env").write_text("INVOICE_API_PORT=1\n", encoding="ascii")

    result = run_script("--id", "inv-env", project=project, cwd=elsewhere)

    assert result.returncode == 0, result.stderr
    assert "round trip complete for inv-env" in result.stdout


def test_send_invoice_names_unreadable_env_file(project: Path, elsewhere: Path) -> None:
    """A UTF-16 .env in the project exits 2 with one line naming the file."""
    env_file = project / ".env"
    env_file.write_text("INVOICE_API_PORT=8000\n", encoding="utf-16")

    result = run_script(project=project, cwd=elsewhere)

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: cannot read {env_file}: it is saved as UTF-16"
    )


def test_send_invoice_reports_receiver_url_of_api(api: str, receiver: str) -> None:
    """--receiver pointed at the API exits 5, naming the option to check."""
    callback_url = f"{receiver}/callback"

    result = run_script("--api", api, "--receiver", api, "--callback-url", callback_url)

    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith(f"error: unexpected answer from {api}/events?")
    assert result.stderr.endswith("; is --receiver the URL of the callback receiver?\n")
    assert "Traceback" not in result.stderr


def test_send_invoice_reports_api_url_of_receiver(receiver: str) -> None:
    """--api pointed at the receiver exits 5, not 1: nothing refused the invoice."""
    result = run_script("--api", receiver, "--receiver", receiver)

    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith(
        f"error: unexpected answer from {receiver}/invoices/?callback_url="
    )
    assert result.stderr.endswith("; is --api the URL of the invoice API?\n")
