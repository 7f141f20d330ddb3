"""
`python -m callback_receiver`: configure logging, then serve on the settings' address.
"""

import contextlib
import errno
import io
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from callback_receiver.app import create_app
from callback_receiver.settings import ReceiverSettings

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
STOP_COMMAND = "uv run python scripts/stop_demo.py"
KIT_SERVER = re.compile(r"(?:^|\s)-m\s+(?:invoice_api|callback_receiver)(?:\s|$)")
# A leading program path, quoted or not.
PROGRAM_PATH = re.compile(r'^(?:"[^"]*[\\/]([^"\\/]*)"|\S*[\\/](\S+))')
# Every C0 and C1 control character (line breaks, NUL, ANSI escapes) as \xNN.
CONTROL_ESCAPES = {
    code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]
}


class ControlCharacterFilter(logging.Filter):
    """
    Escape control characters in each message, so no value can forge or colour a line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """
        Replace the message by its escaped text; always keep the record.
        """
        record.msg = record.getMessage().translate(CONTROL_ESCAPES)
        record.args = None
        return True


def main() -> int:
    """
    Run the receiver until interrupted; return 2 when the settings are invalid, 3
    when its port cannot be had, each with one clear line.
    """
    _configure_logging()
    try:
        settings = ReceiverSettings()
    except (ValidationError, SettingsError) as exc:
        sys.stderr.write(f"callback_receiver: invalid settings: {_summarise(exc)}\n")
        return 2

    problem = _listen_problem(settings.host, settings.port)
    if problem is not None:
        sys.stderr.write(f"callback_receiver: {problem}\n")
        return 3

    # Only CALLBACK_RECEIVER_PORT counts; honcho's PORT is never read.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def _configure_logging() -> None:
    # A console that cannot show a character prints an escape instead of crashing.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")

    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(ControlCharacterFilter())


def _summarise(exc: ValidationError | SettingsError) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)

    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(map(str, error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def _listen_problem(host: str, port: int) -> str | None:
    """
    Why the receiver cannot listen on host:port now, or None when it can.
    """
    try:
        _try_bind(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", 0) == 10048:
            return _in_use_message(port)
        return (
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "set CALLBACK_RECEIVER_PORT to another port"
        )
    return None


def _try_bind(host: str, port: int) -> None:
    # Binds as uvicorn will (asyncio's create_server), then lets go at once.
    addresses = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            if os.name == "posix":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno != errno.EADDRNOTAVAIL:  # that address family is off
                    raise


def _in_use_message(port: int) -> str:
    owner = _port_owner(port)
    if owner is None:
        return (
            f"port {port} is already in use by a process this system does not "
            f"name; if it is a kit server left running, stop it with: {STOP_COMMAND}"
            "; otherwise set CALLBACK_RECEIVER_PORT to a free port"
        )

    pid, command = owner
    if KIT_SERVER.search(command):
        return (
            f"port {port} is already in use by PID {pid} ({_shown(command)}); "
            f"stop it with: {STOP_COMMAND}"
        )
    return (
        f"port {port} is already in use by PID {pid} ({_shown(command)}), which "
        "is not a kit server; stop it, or set CALLBACK_RECEIVER_PORT to a free port"
    )


# Finding who holds a port, as scripts/stop_demo.py does; the packages share no code.
def _port_owner(port: int) -> tuple[int, str] | None:
    try:
        pid = _listening_pid(port)
        return None if pid is None else (pid, _command_line(pid))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _listening_pid(port: int) -> int | None:
    if sys.platform == "win32":
        for row in _output("netstat", "-ano").splitlines():
            # TCP, local, foreign (port 0 while listening), state (translated), PID
            fields = row.split()
            if (
                len(fields) == 5
                and fields[0] == "TCP"
                and fields[1].endswith(f":{port}")
                and fields[2].endswith(":0")
            ):
                return int(fields[4])
        return None
    if not sys.platform.startswith("linux"):
        found = _output("lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN", "-t").split()
        return int(found[0]) if found else None

    sockets = _listening_sockets(port)
    for process in Path("/proc").iterdir():
        if sockets and process.name.isdecimal():
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) in sockets for fd in (process / "fd").iterdir()):
                    return int(process.name)
    return None


def _listening_sockets(port: int) -> set[str]:
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        rows = table.read_text("ascii").splitlines()[1:] if table.exists() else []
        for fields in map(str.split, rows):
            # local address as hex ip:port, state 0A is LISTEN, then the inode
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(f"socket:[{fields[9]}]")
    return found


def _command_line(pid: int) -> str:
    if sys.platform == "win32":
        query = (
            "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; "
            f'(Get-CimInstance Win32_Process -Filter "ProcessId = {pid}").CommandLine'
        )
        return _output("powershell", "-NoProfile", "-Command", query).strip()
    if not sys.platform.startswith("linux"):
        return _output("ps", "-o", "command=", "-p", str(pid)).strip()
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return " ".join(raw.decode("utf-8", "replace").split("\0")).strip()


def _output(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, timeout=30, check=False)
    return done.stdout.decode("utf-8", "replace")


def _shown(command: str) -> str:
    # The program by its file name, then its arguments.
    match = PROGRAM_PATH.match(command)
    if match is None:
        return command
    return (match.group(1) or match.group(2)) + command[match.end() :]


if __name__ == "__main__":
    sys.exit(main())
