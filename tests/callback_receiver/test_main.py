"""
Tests of `python -m callback_receiver` as a real child process.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from callback_receiver.settings import DEMO_SECRET
from tests.callback_receiver.signing import SECRET, event_body, post_callback
from tests.servers import ROOT, free_port, run_module, wait_for


def _environment(tmp_path: Path, host: str, port: int) -> dict[str, str]:
    return {
        "CALLBACK_RECEIVER_HOST": host,
        "CALLBACK_RECEIVER_PORT": str(port),
        "CALLBACK_RECEIVER_WEBHOOK_SECRET": DEMO_SECRET,
        "CALLBACK_RECEIVER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db'}",
        "PORT": "5000",
    }


def test_run_module_serves_on_its_own_port(tmp_path: Path) -> None:
    """The module listens on CALLBACK_RECEIVER_PORT, not honcho's PORT."""
    port = free_port()
    log = tmp_path / "receiver.log"
    env = _environment(tmp_path, "127.0.0.1", port)
    base_url = f"http://127.0.0.1:{port}"

    with run_module("callback_receiver", env, f"{base_url}/events", log):
        events = httpx.get(f"{base_url}/events").json()
    output = log.read_text("utf-8")

    started = f"receiver.started host=127.0.0.1 port={port}"

    assert events == {"events": []}
    assert f"INFO callback_receiver.app: {started}" in output
    assert "WARNING callback_receiver.app: receiver.demo_secret" in output


def test_run_module_logs_japanese_callback(tmp_path: Path) -> None:
    """A received callback is logged as one UTF-8 line with its ids."""
    port = free_port()
    log = tmp_path / "receiver.log"
    env = _environment(tmp_path, "127.0.0.1", port)
    base_url = f"http://127.0.0.1:{port}"

    with (
        run_module("callback_receiver", env, f"{base_url}/events", log),
        httpx.Client(base_url=base_url) as client,
    ):
        body = event_body("山田花子")
        answer = post_callback(client, "inv_9", body, "msg_9", DEMO_SECRET)
        wait_for(lambda: "callback.received" in log.read_text("utf-8"))
    output = log.read_text("utf-8")

    assert answer.json() == {"ok": True}
    assert (
        "INFO callback_receiver.routes: callback.received invoice_id=inv_9 "
        "webhook_id=msg_9 paid=True description=山田花子"
    ) in output


def test_run_module_refuses_demo_secret_off_loopback(tmp_path: Path) -> None:
    """On 0.0.0.0 with the demo secret, the module exits 2 with a one-line reason."""
    env = _environment(tmp_path, "0.0.0.0", free_port())

    finished = subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "callback_receiver"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )

    assert finished.returncode == 2
    assert "demo secret" in finished.stderr
    assert "'0.0.0.0'" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert len(finished.stderr.strip().splitlines()) == 1


def test_run_module_escapes_control_characters_in_log(tmp_path: Path) -> None:
    """Line breaks, NUL, ANSI escapes and bidi controls are escaped, on one line."""
    port = free_port()
    log = tmp_path / "receiver.log"
    env = _environment(tmp_path, "127.0.0.1", port)
    base_url = f"http://127.0.0.1:{port}"

    with (
        run_module("callback_receiver", env, f"{base_url}/events", log),
        httpx.Client(base_url=base_url) as client,
    ):
        body = event_body("a\nINFO forged \x1b[31m red\r\x00\x85end\u202eRLO\u2066")
        answer = post_callback(client, "inv_9", body, "msg_forge", DEMO_SECRET)
        wait_for(lambda: "callback.received" in log.read_text("utf-8"))
    output = log.read_text("utf-8")

    assert answer.status_code == 200
    assert (
        "webhook_id=msg_forge paid=True "
        "description=a\\x0aINFO forged \\x1b[31m red\\x0d\\x00\\x85end"
        "\\u202eRLO\\u2066"
    ) in output
    assert not any(line.startswith("INFO forged") for line in output.splitlines())
    assert "\x1b" not in output
    assert "\u202e" not in output


def test_run_module_names_leftover_server_on_its_port(tmp_path: Path) -> None:
    """A second start exits 3 at once, naming the leftover and how to stop it."""
    port = free_port()
    env = _environment(tmp_path, "127.0.0.1", port)
    base_url = f"http://127.0.0.1:{port}"

    log = tmp_path / "receiver.log"
    with run_module("callback_receiver", env, f"{base_url}/events", log) as leftover:
        second = _start(env)

    python = Path(sys.executable).name
    assert second.returncode == 3
    assert second.stderr == (
        f"callback_receiver: port {port} is already in use by PID {leftover.pid} "
        f"({python} -X utf8 -u -m callback_receiver); "
        "stop it with: uv run python scripts/stop_demo.py\n"
    )


def test_run_module_names_other_program_on_its_port(tmp_path: Path) -> None:
    """A port held by another program exits 3 naming it, with the setting to change."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        finished = _start(_environment(tmp_path, "127.0.0.1", port))

    assert finished.returncode == 3
    assert f"port {port} is already in use by PID {os.getpid()} (" in finished.stderr
    assert "set CALLBACK_RECEIVER_PORT to a free port" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert len(finished.stderr.strip().splitlines()) == 1


def test_run_module_names_utf16_env_file(tmp_path: Path) -> None:
    """A .env saved as UTF-16 exits 2 with one line naming the file and encoding."""
    (tmp_path / ".env").write_text("CALLBACK_RECEIVER_PORT=1\n", encoding="utf-16")

    finished = _start(_environment(tmp_path, "127.0.0.1", free_port()), tmp_path)

    assert finished.returncode == 2
    assert finished.stderr.startswith(
        "callback_receiver: invalid settings: cannot read .env: it is saved as UTF-16"
    )
    assert len(finished.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            "sqlite:///x.db",
            "invalid settings: CALLBACK_RECEIVER_DATABASE_URL: names the blocking "
            "driver 'sqlite'",
            id="blocking-driver",
        ),
        pytest.param(
            "sqlite+aiosqlite:////proc/nope/x.db",
            "cannot open the database CALLBACK_RECEIVER_DATABASE_URL="
            "sqlite+aiosqlite:////proc/nope/x.db: No such file",
            id="no-folder",
        ),
    ],
)
def test_run_module_names_unusable_database(
    tmp_path: Path, url: str, reason: str
) -> None:
    """A database URL it cannot use exits 2 with one line naming the setting."""
    env = {
        **_environment(tmp_path, "127.0.0.1", free_port()),
        "CALLBACK_RECEIVER_DATABASE_URL": url,
    }

    finished = _start(env)

    assert finished.returncode == 2
    assert finished.stderr.startswith(f"callback_receiver: {reason}")
    assert len(finished.stderr.splitlines()) == 1


def test_run_module_names_address_it_cannot_have(tmp_path: Path) -> None:
    """A host that is not this machine's exits 3 before receiver.started."""
    env = {
        **_environment(tmp_path, "192.0.2.1", free_port()),
        "CALLBACK_RECEIVER_WEBHOOK_SECRET": SECRET,
        "CALLBACK_RECEIVER_FAILURE_MODE_ENABLED": "false",
    }

    finished = _start(env)

    assert finished.returncode == 3
    assert finished.stderr.startswith("callback_receiver: cannot listen on 192.0.2.1")
    assert "set CALLBACK_RECEIVER_HOST to an address of this machine" in (
        finished.stderr
    )
    assert "receiver.started" not in finished.stdout


def _start(
    env: dict[str, str], folder: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "callback_receiver"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
