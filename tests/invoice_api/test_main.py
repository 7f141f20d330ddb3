"""
Tests of `python -m invoice_api` as a process, the way honcho starts it.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, free_port, run_module, wait_for

OWN_SECRET = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="


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


def test_main_keeps_bidi_controls_out_of_logs(tmp_path: Path) -> None:
    """A bidirectional override in a customer is refused, and never logged raw."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    invoice = {"id": "inv-ctl", "customer": "a\u202eb\u2066c", "total": 1}

    with run_module("invoice_api", api_env(tmp_path, port), url, tmp_path / "log"):
        refused = httpx.post(f"{url}/invoices/", json=invoice)

    log = (tmp_path / "log").read_text("utf-8")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "customer"]
    assert "\u202e" not in log
    assert "\u2066" not in log


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


def test_main_names_utf16_env_file(tmp_path: Path) -> None:
    """A .env saved as UTF-16 exits 2 with one line naming the file and encoding."""
    (tmp_path / ".env").write_text("INVOICE_API_ATTEMPTS=6\n", encoding="utf-16")

    result = _start(api_env(tmp_path, free_port()), folder=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        "invoice_api: invalid settings: cannot read .env: it is saved as UTF-16, "
        "what > and Out-File write in Windows PowerShell 5.1; save it as UTF-8, or "
        "start again from a copy of .env.example\n"
    )


def test_main_reads_env_file_with_byte_order_mark(tmp_path: Path) -> None:
    """A UTF-8 .env that starts with a byte order mark is read, first line too."""
    port = free_port()
    (tmp_path / ".env").write_text(f"INVOICE_API_PORT={port}\n", encoding="utf-8-sig")
    env = {**api_env(tmp_path, port), "PYTHONPATH": str(ROOT)}
    del env["INVOICE_API_PORT"]
    url = f"http://127.0.0.1:{port}"

    with run_module("invoice_api", env, url, tmp_path / "log", cwd=tmp_path):
        response = httpx.get(f"{url}/openapi.json")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        pytest.param(
            "INVOICE_API_PAYMENT_DELAY", "inf", "finite number", id="infinite"
        ),
        pytest.param("INVOICE_API_TIMEOUT", "nan", "finite number", id="nan"),
        pytest.param(
            "INVOICE_API_DATABASE_URL",
            "sqlite+aiosqlite:///x.db",
            "this server needs a blocking one",
            id="asyncio-driver",
        ),
    ],
)
def test_main_names_bad_setting(
    tmp_path: Path, setting: str, value: str, reason: str
) -> None:
    """A bad setting exits 2 with one line naming its variable and the reason."""
    env = {**api_env(tmp_path, free_port()), setting: value}

    result = _start(env)

    assert result.returncode == 2
    assert result.stderr.startswith(f"invoice_api: invalid settings: {setting}: ")
    assert reason in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("sqlite:////proc/nope/x.db", "No such file", id="no-folder"),
        pytest.param("sqlite:////proc/x.db", "unable to open", id="not-writable"),
    ],
)
def test_main_names_database_it_cannot_open(url: str, reason: str) -> None:
    """A database that does not open exits 2 with one line naming the setting."""
    env = {**api_env(Path("/nowhere"), free_port()), "INVOICE_API_DATABASE_URL": url}

    result = _start(env)

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"invoice_api: cannot open the database INVOICE_API_DATABASE_URL={url}: "
    )
    assert reason in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_main_names_address_it_cannot_have(tmp_path: Path) -> None:
    """A host that is not this machine's exits 3 at once, before api.started."""
    env = {
        **api_env(tmp_path, free_port()),
        "INVOICE_API_HOST": "192.0.2.1",
        "INVOICE_API_WEBHOOK_SECRET": OWN_SECRET,
        "INVOICE_API_CALLBACK_ALLOWLIST": "",
    }

    result = _start(env)

    assert result.returncode == 3
    assert result.stderr.startswith("invoice_api: cannot listen on 192.0.2.1:")
    assert result.stderr.endswith(
        "; set INVOICE_API_HOST to an address of this machine, such as 127.0.0.1\n"
    )
    assert "api.started" not in result.stdout


def test_main_refuses_large_body_in_json(tmp_path: Path) -> None:
    """Over 64 KiB, with Content-Length or in chunks, the 413 is JSON with a reason."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    body = b"x" * (64 * 1024 + 1)
    headers = {"content-type": "application/json"}

    with run_module("invoice_api", api_env(tmp_path, port), url, tmp_path / "log"):
        declared = httpx.post(f"{url}/invoices/", content=body, headers=headers)
        chunked = httpx.post(f"{url}/invoices/", content=iter([body]), headers=headers)

    detail = {"detail": "the body is larger than 64 KiB (65536 bytes)"}
    assert (declared.status_code, declared.json()) == (413, detail)
    assert (chunked.status_code, chunked.json()) == (413, detail)


def _start(
    env: dict[str, str], folder: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "invoice_api"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
    )
