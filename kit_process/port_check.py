"""
Why a server cannot listen on its port: a refused address, or who holds it.
"""

import errno
import os
import socket
from itertools import pairwise
from pathlib import PureWindowsPath

import psutil

STOP_COMMAND = "uv run python scripts/stop_demo.py"
KIT_MODULES = {"invoice_api", "callback_receiver"}


def listen_problem(host: str, port: int, prefix: str) -> str | None:
    """
    Why a server cannot listen on host:port now, or None when it can; `prefix`
    starts the variables that move it elsewhere (INVOICE_API_ for _HOST, _PORT).
    """
    try:
        _try_bind(host, port)
    except socket.gaierror as exc:
        return _address_message(host, port, f"{exc.strerror or exc}", prefix)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", 0) == 10048:
            return _in_use_message(port, f"{prefix}PORT")
        if exc.errno == errno.EADDRNOTAVAIL:
            return _address_message(host, port, f"{exc.strerror or exc}", prefix)
        return (
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            f"set {prefix}PORT to another port"
        )
    return None


def _try_bind(host: str, port: int) -> None:
    # Binds as uvicorn will (asyncio's create_server), then lets go at once. An
    # address of a family this system has switched off is skipped, as asyncio
    # does, unless no address of the host can be had at all.
    addresses = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    unavailable: OSError | None = None
    bound = False
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            if os.name == "posix":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno != errno.EADDRNOTAVAIL:
                    raise
                unavailable = exc
            else:
                bound = True
    if unavailable is not None and not bound:
        raise unavailable


def _address_message(host: str, port: int, reason: str, prefix: str) -> str:
    return (
        f"cannot listen on {host}:{port}: {reason}; set {prefix}HOST to an "
        "address of this machine, such as 127.0.0.1"
    )


def _in_use_message(port: int, setting: str) -> str:
    owner = _port_owner(port)
    if owner is None:
        return (
            f"port {port} is already in use by a process this system does not "
            f"name; if it is a kit server left running, stop it with: {STOP_COMMAND}"
            f"; otherwise set {setting} to a free port"
        )

    pid, command = owner
    if any(flag == "-m" and name in KIT_MODULES for flag, name in pairwise(command)):
        return (
            f"port {port} is already in use by PID {pid} ({_shown(command)}); "
            f"stop it with: {STOP_COMMAND}"
        )
    return (
        f"port {port} is already in use by PID {pid} ({_shown(command)}), which "
        f"is not a kit server; stop it, or set {setting} to a free port"
    )


def _port_owner(port: int) -> tuple[int, list[str]] | None:
    # None when the listener's PID or command line is hidden from this user.
    try:
        pid = min(_listening_pids(port), default=None)
        if pid is None:
            return None
        process = psutil.Process(pid)
        return pid, process.cmdline() or [process.name()]
    except psutil.Error:
        return None


def _listening_pids(port: int) -> set[int]:
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:  # macOS without root: ask each process in turn
        return {
            process.pid for process in psutil.process_iter() if _holds(process, port)
        }
    return {
        conn.pid
        for conn in connections
        if conn.pid is not None
        and conn.status == psutil.CONN_LISTEN
        and conn.laddr
        and conn.laddr.port == port
    }


def _holds(process: psutil.Process, port: int) -> bool:
    try:
        connections = process.net_connections(kind="tcp")
    except (psutil.Error, OSError):  # gone, or another user's
        return False
    return any(
        conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
        for conn in connections
    )


def _shown(command: list[str]) -> str:
    # The program by its file name, then its arguments. A Windows path reads both
    # separators, so this names the program on any system.
    return " ".join([PureWindowsPath(command[0]).name, *command[1:]])
