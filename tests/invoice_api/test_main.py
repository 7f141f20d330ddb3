"""
Tests of `python -m invoice_api` as a process, the way honcho starts it.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.servers import ROOT, free_port, run_module, wait_for


def api_env(tmp_path: Path, port: int) -> dict[str, str]:
    """
    Environment for an API process on `port` with a temporary database.
    """
    return {
        "INVOICE_API_PORT": str(port),
        "INVOICE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
        "INVOICE_API_PAYMENT_DELAY": "0",
        "PORT": "5000",
    }


def test_main_serves_on_settings_port_not_honcho_port(tmp_path: Path) -> None:
    """With honcho's PORT=5000 set, the API listens on INVOICE_API_PORT."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    with run_module("invoice_api", api_env(tmp_path, port), url, tmp_path / "log"):
        response = httpx.get(f"{url}/openapi.json")

    assert response.status_code == 200
    assert "api.started host=127.0.0.1" in (tmp_path / "log").read_text("utf-8")


def test_main_refuses_demo_secret_on_all_interfaces(tmp_path: Path) -> None:
    """Bound to 0.0.0.0 with the demo secret, it exits 2 with one clear line."""
    env = {**api_env(tmp_path, free_port()), "INVOICE_API_HOST": "0.0.0.0"}

    result = subprocess.run(
        [sys.executable, "-m", "invoice_api"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "INVOICE_API_WEBHOOK_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


def test_main_survives_console_without_utf8(tmp_path: Path) -> None:
    """On a cp932 pipe, text it cannot encode is escaped and the API keeps working."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**api_env(tmp_path, port), "PYTHONIOENCODING": "cp932"}
    invoice = {"id": "inv-emoji", "customer": "山田花子 😀", "total": 1}

    with run_module("invoice_api", env, url, tmp_path / "log"):
        accepted = httpx.post(f"{url}/invoices/", json=invoice)
        wait_for(lambda: httpx.get(f"{url}/invoices/inv-emoji").json()["paid_at"])
        after = httpx.get(f"{url}/invoices/inv-emoji")

    log = (tmp_path / "log").read_bytes().decode("cp932")
    assert accepted.status_code == 202
    assert after.json()["customer"] == "山田花子 😀"
    assert "customer=山田花子 \\U0001f600" in log
    assert "payment.collected invoice_id=inv-emoji" in log


def test_main_escapes_control_characters_in_logs(tmp_path: Path) -> None:
    """A bidirectional override in a value is escaped, and cannot reorder a line."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    invoice = {"id": "inv-ctl", "customer": "a\u202eb\u2066c", "total": 1}

    with run_module("invoice_api", api_env(tmp_path, port), url, tmp_path / "log"):
        accepted = httpx.post(f"{url}/invoices/", json=invoice)

    log = (tmp_path / "log").read_text("utf-8")
    assert accepted.status_code == 202
    assert "customer=a\\u202eb\\u2066c" in log
    assert "\u202e" not in log


def test_main_names_leftover_server_on_its_port(tmp_path: Path) -> None:
    """A second start exits 3 at once, naming the leftover and how to stop it."""
    port = free_port()
    env = api_env(tmp_path, port)
    url = f"http://127.0.0.1:{port}"

    with run_module("invoice_api", env, url, tmp_path / "log") as leftover:
        second = _start(env)

    python = Path(sys.executable).name
    assert second.returncode == 3
    assert second.stderr == (
        f"invoice_api: port {port} is already in use by PID {leftover.pid} "
        f"({python} -X utf8 -u -m invoice_api); "
        "stop it with: uv run python scripts/stop_demo.py\n"
    )


def test_main_names_other_program_on_its_port(tmp_path: Path) -> None:
    """A port held by another program exits 3 naming it, with the setting to change."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _start(api_env(tmp_path, port))

    assert result.returncode == 3
    assert result.stderr.startswith(
        f"invoice_api: port {port} is already in use by PID {os.getpid()} ("
    )
    assert result.stderr.endswith(
        "which is not a kit server; stop it, or set INVOICE_API_PORT to a free port\n"
    )
    assert len(result.stderr.splitlines()) == 1


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "invoice_api"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
    )
