"""
Stop the kit's servers left running on the demo's ports, and nothing else.

    uv run python scripts/stop_demo.py [--port PORT ...]

The ports are read as the servers read them: INVOICE_API_PORT and
CALLBACK_RECEIVER_PORT from the environment or the project's `.env` (the one beside
`scripts/`, from whichever folder this runs), else 8000 and 8001. A process
listening on one of them is stopped only if its command line runs `-m invoice_api` or
`-m callback_receiver`. Prints one line per port, then exits 0 when every port is
free, 1 when another program holds a port (it is left running), 2 for bad options or
a `.env` it cannot read, 3 when this system cannot tell which process holds a port
(access is denied), and 4 when a kit server could not be stopped.
"""

import argparse
import sys
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path, PureWindowsPath
from typing import NamedTuple

import psutil

# Run as a file, Python puts scripts/ on the path but not the project; add it.
sys.path.insert(1, str(Path(__file__).absolute().parent.parent))
from kit_process.demo_ports import (  # noqa: E402
    DemoPortsError,
    project_env_file,
    read_demo_ports,
)

FREE, OTHER_PROGRAM, BAD_OPTIONS, UNKNOWN_OWNER, NOT_STOPPED = 0, 1, 2, 3, 4
KIT_MODULES = {"invoice_api", "callback_receiver"}
STOP_WAIT = 10.0  # seconds to exit, after terminate() and again after kill()
ENV_FILE = project_env_file(__file__)


class Listener(NamedTuple):
    """
    A process listening on a port (None if hidden from this user) and its command line.
    """

    process: psutil.Process | None
    command: list[str]


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


def is_kit_server(command: list[str]) -> bool:
    """
    Tell whether a command line runs one of the kit's servers.
    """
    return any(flag == "-m" and name in KIT_MODULES for flag, name in pairwise(command))


def find_listeners(port: int) -> list[Listener]:
    """
    The processes listening on a TCP port of this machine, on any address.
    """
    listeners = []
    for pid in _listening_pids(port):
        try:
            process = None if pid is None else psutil.Process(pid)
        except psutil.NoSuchProcess:
            continue  # gone since the look-up
        listeners.append(Listener(process, _command_line(process)))
    return listeners


def _listening_pids(port: int) -> Sequence[int | None]:
    """
    The PIDs listening on `port`; None stands for a listener this user cannot see.
    """
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:  # macOS without root: ask each process in turn
        return sorted(p.pid for p in psutil.process_iter() if _holds(p, port))

    pids = {
        conn.pid
        for conn in connections
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port
    }
    return sorted(pids, key=lambda pid: -1 if pid is None else pid)


def _holds(process: psutil.Process, port: int) -> bool:
    try:
        connections = process.net_connections(kind="tcp")
    except (psutil.Error, OSError):  # gone, or another user's
        return False
    return any(
        conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
        for conn in connections
    )


def _command_line(process: psutil.Process | None) -> list[str]:
    if process is None:
        return []
    try:
        return process.cmdline() or [process.name()]
    except psutil.Error:
        return []


def shown(command: list[str]) -> str:
    """
    A command line as reported: the program by its file name, then its arguments.
    """
    if not command:
        return "command line unknown"
    # A Windows path reads both separators, so this names the program on any system.
    return " ".join([PureWindowsPath(command[0]).name, *command[1:]])


def release_port(port: int) -> tuple[int, list[str]]:
    """
    Stop every kit server listening on `port`; return an exit code and report lines.
    """
    listeners = find_listeners(port)
    if not listeners:
        return FREE, [f"port {port}: free"]

    results = [_release(port, listener) for listener in listeners]
    return max(code for code, _ in results), [line for _, line in results]


def _release(port: int, listener: Listener) -> tuple[int, str]:
    process, command = listener
    if process is None:
        return UNKNOWN_OWNER, (
            f"port {port}: in use by a process this user cannot see; "
            "run this again as that process's user or as administrator"
        )
    if not is_kit_server(command):
        return OTHER_PROGRAM, (
            f"port {port}: PID {process.pid} ({shown(command)}) is not a kit "
            "server; left running"
        )
    return _stop(port, process, shown(command))


def _stop(port: int, process: psutil.Process, command: str) -> tuple[int, str]:
    # terminate() lets uvicorn close cleanly (on Windows it ends the process at
    # once); kill() follows if it has not exited in time.
    try:
        stopped = _ended(process, process.terminate) or _ended(process, process.kill)
    except psutil.AccessDenied:
        return NOT_STOPPED, f"port {port}: not allowed to stop PID {process.pid}"

    if not stopped:
        return NOT_STOPPED, f"port {port}: PID {process.pid} ({command}) did not stop"
    return FREE, f"port {port}: stopped PID {process.pid} ({command})"


def _ended(process: psutil.Process, send: Callable[[], None]) -> bool:
    try:
        send()
    except psutil.NoSuchProcess:
        return True
    _, alive = psutil.wait_procs([process], timeout=STOP_WAIT)
    return not alive


def main(argv: list[str] | None = None) -> int:
    """
    Free each port of the demo; print what was done; return the worst exit code.
    """
    args = parse_args(argv)
    try:
        ports = args.port or _settings_ports()
    except DemoPortsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_OPTIONS

    code = FREE
    for port in dict.fromkeys(ports):
        try:
            result, lines = release_port(port)
        except psutil.Error as exc:
            problem = f"cannot tell which process holds it ({exc!r})"
            result, lines = UNKNOWN_OWNER, [f"port {port}: {problem}"]
        code = max(code, result)
        print("\n".join(lines), flush=True)
    return code


def _settings_ports() -> list[int]:
    settings = read_demo_ports(ENV_FILE)
    return [settings.invoice_api_port, settings.callback_receiver_port]


if __name__ == "__main__":
    sys.exit(main())
