"""
Tests of scripts/stop_demo.py against real, orphaned kit servers, on Linux.
"""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from callback_receiver.settings import ReceiverSettings
from invoice_api.settings import ApiSettings
from scripts.stop_demo import (
    DemoPorts,
    is_kit_server,
    parse_netstat,
    shown,
)
from tests.servers import ROOT, free_port, wait_for

SCRIPT = ROOT / "scripts" / "stop_demo.py"
# Starts the servers in sessions of their own, prints their PIDs and exits, leaving
# them orphaned as honcho on Windows can after Ctrl+C.
LAUNCHER = """
import subprocess, sys
for module in sys.argv[1:]:
    child = subprocess.Popen(
        [sys.executable, "-X", "utf8", "-u", "-m", module],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    print(child.pid)
"""


@pytest.fixture
def orphans(tmp_path: Path) -> Iterator[dict[int, int]]:
    """
    An API and a receiver whose parent has exited: port to PID.
    """
    api_port, receiver_port = free_port(), free_port()
    env = {
        **os.environ,
        "INVOICE_API_PORT": str(api_port),
        "INVOICE_API_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'api.db'}",
        "CALLBACK_RECEIVER_PORT": str(receiver_port),
        "CALLBACK_RECEIVER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
    }
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, "invoice_api", "callback_receiver"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    started = map(int, launched.stdout.split())
    pids = dict(zip((api_port, receiver_port), started, strict=True))
    try:
        wait_for(lambda: all(map(_listening, pids)), timeout=30)
        yield pids
    finally:
        for pid in pids.values():
            _kill_if_left(pid)


def run_script(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """
    Run the script as a user does, from `cwd`, so that no real .env is read.
    """
    return subprocess.run(
        [sys.executable, "-X", "utf8", str(SCRIPT), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_stop_demo_frees_ports_of_orphaned_servers(
    orphans: dict[int, int], tmp_path: Path
) -> None:
    """Orphaned servers on the settings' ports are stopped, and the ports freed."""
    api_port, receiver_port = orphans
    (tmp_path / ".env").write_text(
        f"INVOICE_API_PORT={api_port}\nCALLBACK_RECEIVER_PORT={receiver_port}\n",
        encoding="ascii",
    )

    result = run_script(cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    python = Path(sys.executable).name
    assert result.stdout.splitlines() == [
        f"port {api_port}: stopped PID {orphans[api_port]} "
        f"({python} -X utf8 -u -m invoice_api)",
        f"port {receiver_port}: stopped PID {orphans[receiver_port]} "
        f"({python} -X utf8 -u -m callback_receiver)",
    ]
    assert not _listening(api_port) and not _listening(receiver_port)


def test_stop_demo_leaves_other_programs_running(tmp_path: Path) -> None:
    """A program that is not a kit server is named, left alone, and exit code 1."""
    port = free_port()
    other = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _listening(port) or other.poll() is not None)
        result = run_script("--port", str(port), cwd=tmp_path)
        still_running = other.poll() is None
    finally:
        other.kill()
        other.wait(timeout=10)

    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"port {port}: PID {other.pid} ({Path(sys.executable).name} -m http.server "
        f"--bind 127.0.0.1 {port}) is not a kit server; left running"
    )
    assert still_running


def test_stop_demo_reports_free_ports(tmp_path: Path) -> None:
    """With nothing listening it says so for each port and exits 0."""
    ports = free_port(), free_port()
    env = {"INVOICE_API_PORT": str(ports[0]), "CALLBACK_RECEIVER_PORT": str(ports[1])}

    result = run_script(cwd=tmp_path, env=env)

    assert result.returncode == 0
    assert result.stdout.splitlines() == [f"port {port}: free" for port in ports]


def test_stop_demo_refuses_bad_port_setting(tmp_path: Path) -> None:
    """A port setting that is not a port exits 2 with one line naming it."""
    result = run_script(cwd=tmp_path, env={"INVOICE_API_PORT": "eighty"})

    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid port setting: INVOICE_API_PORT")
    assert "Traceback" not in result.stderr


def test_read_demo_ports_defaults_match_servers() -> None:
    """With no settings, the script looks where the two servers listen by default."""
    ports = DemoPorts(_env_file=None)

    assert ports.invoice_api_port == ApiSettings.model_fields["port"].default
    assert ports.callback_receiver_port == ReceiverSettings.model_fields["port"].default


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param("/srv/.venv/bin/python -X utf8 -u -m invoice_api", True, id="api"),
        pytest.param("python -m callback_receiver", True, id="receiver"),
        pytest.param(
            '"C:\\kit\\.venv\\Scripts\\python.exe" -X utf8 -u -m invoice_api',
            True,
            id="windows",
        ),
        pytest.param("python -m invoice_api_tools", False, id="other-module"),
        pytest.param("vim notes-m invoice_api", False, id="not-an-option"),
        pytest.param("python -m http.server 8000", False, id="http-server"),
    ],
)
def test_recognise_kit_server(command: str, expected: bool) -> None:
    """Only a command line running one of the two kit modules is a kit server."""
    assert is_kit_server(command) is expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            "/srv/.venv/bin/python -m invoice_api", "python -m invoice_api", id="posix"
        ),
        pytest.param(
            '"C:\\Program Files\\Python311\\python.exe" -u -m callback_receiver',
            "python.exe -u -m callback_receiver",
            id="windows-quoted",
        ),
        pytest.param("python -m invoice_api", "python -m invoice_api", id="bare"),
    ],
)
def test_show_command_by_program_name(command: str, expected: str) -> None:
    """A command line is reported with its program's file name only."""
    assert shown(command) == expected


def test_parse_netstat_finds_listeners_in_any_language() -> None:
    """Listening rows are found by their foreign port 0, whatever the state says."""
    rows = [
        "",
        "Active Connections",
        "",
        "  Proto  Local Address      Foreign Address    State        PID",
        "  TCP    0.0.0.0:135        0.0.0.0:0          LISTENING    1024",
        "  TCP    127.0.0.1:8000     0.0.0.0:0          ABH\u00d6REN      5140",
        "  TCP    127.0.0.1:8000     127.0.0.1:53211    ESTABLISHED  5140",
        "  TCP    127.0.0.1:53211    127.0.0.1:8000     ESTABLISHED  7000",
        "  TCP    [::]:8000          [::]:0             LISTENING    5141",
        "  TCP    127.0.0.1:18000    0.0.0.0:0          LISTENING    9999",
        "  UDP    0.0.0.0:8000       *:*                             4321",
    ]
    output = "\r\n".join(rows)

    assert parse_netstat(output, 8000) == [5140, 5141]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _kill_if_left(pid: int) -> None:
    # Only while the PID is still one of ours: a reused PID is left alone.
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        if is_kit_server(command.decode("utf-8", "replace")):
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
