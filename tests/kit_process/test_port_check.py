"""
Tests of the API's start-up port check: what it says about a port it cannot have.
"""

import errno
import os
import socket
from collections.abc import Iterator
from types import SimpleNamespace

import psutil
import pytest

from kit_process.port_check import listen_problem
from tests.servers import free_port


@pytest.fixture
def held_port() -> Iterator[int]:
    """
    A loopback port that this test process listens on.
    """
    with socket.create_server(("127.0.0.1", 0)) as holder:
        yield holder.getsockname()[1]


def deny(*args: object, **kwargs: object) -> None:
    """
    Answer as psutil does where the system refuses to tell.
    """
    raise psutil.AccessDenied()


def test_listen_problem_accepts_free_port() -> None:
    """A port nothing listens on is no problem."""
    assert listen_problem("127.0.0.1", free_port(), "INVOICE_API_") is None


def test_listen_problem_names_forbidden_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port the system refuses (WinError 10013) is named, with the setting."""

    def refuse(sock: socket.socket, address: object) -> None:
        raise PermissionError(errno.EACCES, "access forbidden")

    monkeypatch.setattr(socket.socket, "bind", refuse)

    problem = listen_problem("127.0.0.1", 8000, "INVOICE_API_")

    assert problem == (
        "cannot listen on 127.0.0.1:8000: access forbidden; "
        "set INVOICE_API_PORT to another port"
    )


def test_listen_problem_names_owner_without_system_view(
    held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where only root sees every socket (macOS), the user's own listener is named."""
    monkeypatch.setattr(psutil, "net_connections", deny)

    problem = listen_problem("127.0.0.1", held_port, "INVOICE_API_")

    assert problem is not None
    assert problem.startswith(
        f"port {held_port} is already in use by PID {os.getpid()} ("
    )
    assert problem.endswith(
        "which is not a kit server; stop it, or set INVOICE_API_PORT to a free port"
    )


@pytest.mark.parametrize(
    "hidden",
    [
        pytest.param("pid", id="another-users-socket"),
        pytest.param("command", id="command-line-denied"),
    ],
)
def test_listen_problem_leaves_hidden_owner_unnamed(
    held_port: int, hidden: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener the system will not name gets the general advice."""
    listener = SimpleNamespace(
        pid=None, status=psutil.CONN_LISTEN, laddr=SimpleNamespace(port=held_port)
    )
    if hidden == "pid":
        monkeypatch.setattr(psutil, "net_connections", lambda kind: [listener])
    else:
        monkeypatch.setattr(psutil.Process, "cmdline", deny)

    problem = listen_problem("127.0.0.1", held_port, "INVOICE_API_")

    assert problem == (
        f"port {held_port} is already in use by a process this system does not "
        "name; if it is a kit server left running, stop it with: "
        "uv run python scripts/stop_demo.py; otherwise set INVOICE_API_PORT to a "
        "free port"
    )


def test_listen_problem_names_address_not_of_this_machine() -> None:
    """An address this machine does not have (TEST-NET-1) is named, with the host."""
    port = free_port()

    problem = listen_problem("192.0.2.1", port, "INVOICE_API_")

    assert problem == (
        f"cannot listen on 192.0.2.1:{port}: Cannot assign requested address; "
        "set INVOICE_API_HOST to an address of this machine, such as 127.0.0.1"
    )


def test_listen_problem_names_port_in_use_on_any_address_of_host(
    held_port: int,
) -> None:
    """localhost is every one of its addresses: one in use is a problem."""
    problem = listen_problem("localhost", held_port, "INVOICE_API_")

    assert problem is not None
    assert problem.startswith(f"port {held_port} is already in use")
