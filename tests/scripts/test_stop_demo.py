"""
Tests of scripts/stop_demo.py against real listening processes, on Linux.
"""

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from callback_receiver.settings import ReceiverSettings
from invoice_api.settings import ApiSettings
from kit_process.demo_ports import DemoPorts
from scripts import stop_demo
from scripts.stop_demo import is_kit_server, release_port, shown
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
# Listens on the port given after `-m invoice_api`, so its command line looks like a
# kit server's; "stubborn" ignores SIGTERM.
STAND_IN = """
import signal, socket, sys, threading
if sys.argv[-1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
server = socket.create_server(("127.0.0.1", int(sys.argv[-2])))
threading.Event().wait()
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
        "INVOICE_API_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
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


@contextlib.contextmanager
def stand_in_server(port: int, mode: str) -> Iterator[subprocess.Popen[bytes]]:
    """
    A process that the script takes for the API, listening on `port`.
    """
    command = [sys.executable, "-c", STAND_IN, "-m", "invoice_api", str(port), mode]
    server = subprocess.Popen(command)
    try:
        wait_for(lambda: _listening(port) or server.poll() is not None)
        yield server
    finally:
        server.kill()
        server.wait(timeout=10)


def run_script(
    *args: str, cwd: Path, env: dict[str, str] | None = None, project: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """
    Run the script of `project` as a user does, from `cwd`.
    """
    script = project / "scripts" / SCRIPT.name
    return subprocess.run(
        [sys.executable, "-X", "utf8", str(script), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_stop_demo_frees_ports_of_orphaned_servers(
    orphans: dict[int, int], project: Path, elsewhere: Path
) -> None:
    """Orphans on the ports of the project's .env are stopped, run from any folder."""
    api_port, receiver_port = orphans
    (project / ".env").write_text(
        f"INVOICE_API_PORT={api_port}\nCALLBACK_RECEIVER_PORT={receiver_port}\n",
        encoding="ascii",
    )

    result = run_script(cwd=elsewhere, project=project)

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


def test_stop_demo_ignores_env_file_of_current_folder(
    project: Path, elsewhere: Path
) -> None:
    """The .env of the folder it runs from is not the project's, and is not read."""
    ports = free_port(), free_port()
    (project / ".env").write_text(f"INVOICE_API_PORT={ports[0]}\n", encoding="ascii")
    (elsewhere / ".env").write_text("INVOICE_API_PORT=eighty\n", encoding="ascii")
    env = {"CALLBACK_RECEIVER_PORT": str(ports[1])}

    result = run_script(cwd=elsewhere, env=env, project=project)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"port {port}: free" for port in ports]


def test_stop_demo_names_unreadable_env_file(project: Path, elsewhere: Path) -> None:
    """A UTF-16 .env in the project exits 2 with one line naming the file."""
    env_file = project / ".env"
    env_file.write_text("INVOICE_API_PORT=8000\n", encoding="utf-16")

    result = run_script(cwd=elsewhere, project=project)

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: cannot read {env_file}: it is saved as UTF-16"
    )
    assert len(result.stderr.splitlines()) == 1


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
            "C:\\kit\\.venv\\Scripts\\python.exe -X utf8 -u -m invoice_api",
            True,
            id="windows",
        ),
        pytest.param("python -m invoice_api_tools", False, id="other-module"),
        pytest.param("vim notes-m invoice_api", False, id="not-an-option"),
        pytest.param("vim -m invoice_api.txt", False, id="file-name"),
        pytest.param("python -m http.server 8000", False, id="http-server"),
        pytest.param("", False, id="unknown"),
    ],
)
def test_recognise_kit_server(command: str, expected: bool) -> None:
    """Only a command line running one of the two kit modules is a kit server."""
    assert is_kit_server(command.split()) is expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            ["/srv/.venv/bin/python", "-m", "invoice_api"],
            "python -m invoice_api",
            id="posix",
        ),
        pytest.param(
            ["C:\\Program Files\\Python311\\python.exe", "-m", "callback_receiver"],
            "python.exe -m callback_receiver",
            id="windows-with-space",
        ),
        pytest.param(
            ["python", "-m", "invoice_api"], "python -m invoice_api", id="bare"
        ),
        pytest.param([], "command line unknown", id="unknown"),
    ],
)
def test_show_command_by_program_name(command: list[str], expected: str) -> None:
    """A command line is reported with its program's file name only."""
    assert shown(command) == expected


def test_release_port_kills_server_that_ignores_terminate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kit server still running after terminate() is killed, and the port freed."""
    monkeypatch.setattr(stop_demo, "STOP_WAIT", 2.0)
    port = free_port()

    with stand_in_server(port, "stubborn") as server:
        code, lines = release_port(port)

    assert code == stop_demo.FREE
    assert len(lines) == 1
    assert lines[0].startswith(f"port {port}: stopped PID {server.pid} (")
    assert lines[0].endswith(f" -m invoice_api {port} stubborn)")
    assert not _listening(port)


def test_release_port_reports_server_it_may_not_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kit server this user may not stop is named with exit code 4."""
    monkeypatch.setattr(psutil.Process, "terminate", _deny)
    port = free_port()

    with stand_in_server(port, "polite") as server:
        code, lines = release_port(port)
        still_running = server.poll() is None

    assert code == stop_demo.NOT_STOPPED
    assert lines == [f"port {port}: not allowed to stop PID {server.pid}"]
    assert still_running


def test_release_port_reports_listener_hidden_from_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A listener whose process this user cannot see gives exit code 3."""
    port = free_port()
    hidden = SimpleNamespace(
        pid=None, status=psutil.CONN_LISTEN, laddr=SimpleNamespace(port=port)
    )
    monkeypatch.setattr(psutil, "net_connections", lambda kind: [hidden])

    code, lines = release_port(port)

    assert code == stop_demo.UNKNOWN_OWNER
    assert lines == [
        f"port {port}: in use by a process this user cannot see; "
        "run this again as that process's user or as administrator"
    ]


def test_release_port_finds_own_listener_without_system_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where only root sees every socket (macOS), this user's listeners are found."""
    monkeypatch.setattr(psutil, "net_connections", _deny)

    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        code, lines = release_port(port)

    assert code == stop_demo.OTHER_PROGRAM
    assert lines[0].startswith(f"port {port}: PID {os.getpid()} (")
    assert lines[0].endswith(") is not a kit server; left running")


def test_main_reports_lookup_the_system_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error from psutil is one line for that port, with exit code 3."""

    def fail(kind: str) -> None:
        raise psutil.Error()

    monkeypatch.setattr(psutil, "net_connections", fail)
    port = free_port()

    code = stop_demo.main(["--port", str(port)])

    assert code == stop_demo.UNKNOWN_OWNER
    assert capsys.readouterr().out == (
        f"port {port}: cannot tell which process holds it (psutil.Error())\n"
    )


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _kill_if_left(pid: int) -> None:
    # Only while the PID is still one of ours: a reused PID is left alone.
    with contextlib.suppress(psutil.Error):
        process = psutil.Process(pid)
        if is_kit_server(process.cmdline()):
            process.kill()


def _deny(*args: object, **kwargs: object) -> None:
    raise psutil.AccessDenied()
