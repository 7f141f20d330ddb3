"""
Stop the kit's servers left running on the demo's ports, and nothing else.

    uv run python scripts/stop_demo.py [--port PORT ...]

The ports are read as the servers read them: INVOICE_API_PORT and
CALLBACK_RECEIVER_PORT from the environment or `.env`, else 8000 and 8001. A process
listening on one of them is stopped only if its command line runs `-m invoice_api` or
`-m callback_receiver`. Prints one line per port, then exits 0 when every port is
free, 1 when another program holds a port (it is left running), 2 for bad options,
3 when this system cannot tell which process holds a port (a tool is missing or
access is denied), and 4 when a kit server could not be stopped.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

FREE, OTHER_PROGRAM, BAD_OPTIONS, UNKNOWN_OWNER, NOT_STOPPED = 0, 1, 2, 3, 4
KIT_SERVER = re.compile(r"(?:^|\s)-m\s+(?:invoice_api|callback_receiver)(?:\s|$)")
# Leading program path, quoted or not: shown by its file name only.
PROGRAM_PATH = re.compile(r'^(?:"[^"]*[\\/]([^"\\/]*)"|\S*[\\/](\S+))')
STOP_WAIT = 10.0
TOOL_TIMEOUT = 30.0
LISTEN = "0A"  # the LISTEN state in /proc/net/tcp


class DemoPorts(BaseSettings):
    """
    The two servers' ports, from the same variables and `.env` the servers read.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    invoice_api_port: int = Field(default=8000, ge=1, le=65535)
    callback_receiver_port: int = Field(default=8001, ge=1, le=65535)


class Listener(NamedTuple):
    """
    A process listening on a port: its id (None if hidden) and command line.
    """

    pid: int | None
    command: str


class LookupFailed(Exception):
    """
    This system could not tell which process listens on a port.
    """


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """
    Read the command line; with no --port, the ports come from the settings.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--port",
        type=_port,
        action="append",
        help="a port to free (repeatable); default: the API's and the receiver's",
    )
    return parser.parse_args(argv)


def _port(value: str) -> int:
    if not value.isdecimal() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port from 1 to 65535")
    return int(value)


def is_kit_server(command: str) -> bool:
    """
    Tell whether a command line runs one of the kit's servers.
    """
    return KIT_SERVER.search(command) is not None


def find_listeners(port: int) -> list[Listener]:
    """
    The processes listening on a TCP port of this machine, on any address.
    """
    return [
        Listener(pid, "" if pid is None else _command_line(pid))
        for pid in listening_pids(port)
    ]


def listening_pids(port: int) -> list[int | None]:
    """
    The PIDs listening on `port`; None stands for a listener this user cannot see.
    """
    if sys.platform.startswith("linux"):
        return _proc_pids(port)
    if sys.platform == "win32":
        return [*parse_netstat(_run_tool("netstat", "-ano"), port)]
    found = _run_tool("lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN", "-t")
    return sorted({int(pid) for pid in found.split()})


def parse_netstat(output: str, port: int) -> list[int]:
    """
    The PIDs of `netstat -ano` rows listening on `port`, in any display language.
    """
    pids = set()
    for row in output.splitlines():
        fields = row.split()
        # TCP, local, foreign, state, PID: a listener's foreign port is 0. The
        # state is not read, because Windows translates it.
        if len(fields) == 5 and fields[0] == "TCP" and fields[4].isdecimal():
            local, foreign = fields[1], fields[2]
            if local.endswith(f":{port}") and foreign.endswith(":0"):
                pids.add(int(fields[4]))
    return sorted(pids)


def _proc_pids(port: int) -> list[int | None]:
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text("ascii").splitlines()[1:]:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[3] == LISTEN and local_port == port:
                sockets.add(f"socket:[{fields[9]}]")
    if not sockets:
        return []

    pids = sorted({int(fd.parts[2]) for fd in _open_files() if _link(fd) in sockets})
    return [*pids] or [None]


def _open_files() -> list[Path]:
    found: list[Path] = []
    for process in Path("/proc").iterdir():
        if process.name.isdecimal():
            try:
                found.extend((process / "fd").iterdir())
            except OSError:
                continue  # gone, or another user's process
    return found


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _command_line(pid: int) -> str:
    if sys.platform == "win32":
        query = (
            "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; "
            f'(Get-CimInstance Win32_Process -Filter "ProcessId = {pid}").CommandLine'
        )
        return _run_tool("powershell", "-NoProfile", "-Command", query).strip()
    if not sys.platform.startswith("linux"):
        return _run_tool("ps", "-o", "command=", "-p", str(pid)).strip()
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(raw.decode("utf-8", "replace").split("\0")).strip()


def _run_tool(*command: str) -> str:
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=TOOL_TIMEOUT, check=False
        )
    except FileNotFoundError as exc:
        raise LookupFailed(
            f"'{command[0]}' was not found; it is needed to see which process "
            "holds a port"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise LookupFailed(f"'{command[0]}' did not answer in time") from exc
    return done.stdout.decode("utf-8", "replace")


def shown(command: str) -> str:
    """
    A command line as reported: the program by its file name, then its arguments.
    """
    if not command:
        return "command line unknown"
    match = PROGRAM_PATH.match(command)
    if match is None:
        return command
    return (match.group(1) or match.group(2)) + command[match.end() :]


def release_port(port: int) -> tuple[int, list[str]]:
    """
    Stop every kit server listening on `port`; return an exit code and report lines.
    """
    listeners = find_listeners(port)
    if not listeners:
        return FREE, [f"port {port}: free"]

    code, lines = FREE, []
    for listener in listeners:
        if listener.pid is None:
            code = max(code, UNKNOWN_OWNER)
            lines.append(
                f"port {port}: in use by a process this user cannot see; "
                "run this again as that process's user or as administrator"
            )
        elif not is_kit_server(listener.command):
            code = max(code, OTHER_PROGRAM)
            lines.append(
                f"port {port}: PID {listener.pid} ({shown(listener.command)}) is "
                "not a kit server; left running"
            )
        else:
            result, line = _stop(port, listener.pid, shown(listener.command))
            code = max(code, result)
            lines.append(line)
    return code, lines


def _stop(port: int, pid: int, command: str) -> tuple[int, str]:
    for signal_number in _stop_signals():
        try:
            os.kill(pid, signal_number)
        except ProcessLookupError:
            pass
        except PermissionError:
            return NOT_STOPPED, f"port {port}: not allowed to stop PID {pid}"
        if _released(port, pid):
            return FREE, f"port {port}: stopped PID {pid} ({command})"
    return NOT_STOPPED, f"port {port}: PID {pid} ({command}) did not stop"


def _stop_signals() -> list[signal.Signals]:
    # On Windows os.kill ends the process at once; elsewhere SIGTERM lets uvicorn
    # close cleanly, and SIGKILL follows if it has not let go of the port in time.
    if sys.platform == "win32":
        return [signal.SIGTERM]
    return [signal.SIGTERM, signal.SIGKILL]


def _released(port: int, pid: int) -> bool:
    deadline = time.monotonic() + STOP_WAIT
    while time.monotonic() < deadline:
        if pid not in listening_pids(port):
            return True
        time.sleep(0.1)
    return False


def main(argv: list[str] | None = None) -> int:
    """
    Free each port of the demo; print what was done; return the worst exit code.
    """
    args = parse_args(argv)
    try:
        ports = args.port or _settings_ports()
    except ValidationError as exc:
        print(f"error: invalid port setting: {_summarise(exc)}", file=sys.stderr)
        return BAD_OPTIONS

    code = FREE
    for port in dict.fromkeys(ports):
        try:
            result, lines = release_port(port)
        except LookupFailed as exc:
            result, lines = UNKNOWN_OWNER, [f"port {port}: {exc}"]
        code = max(code, result)
        print("\n".join(lines), flush=True)
    return code


def _settings_ports() -> list[int]:
    settings = DemoPorts()
    return [settings.invoice_api_port, settings.callback_receiver_port]


def _summarise(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])).upper()}: {error['msg']}"
        for error in exc.errors(include_url=False)
    )


if __name__ == "__main__":
    sys.exit(main())
