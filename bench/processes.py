"""
Child processes of the benchmark: servers on free loopback ports, all stopped at exit.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 8.0
PR_SET_PDEATHSIG = 1
# A developer's own settings must not leak into the servers under test.
SETTING_PREFIXES = ("INVOICE_API_", "CALLBACK_RECEIVER_")


@dataclass
class Server:
    """
    A server process under test (or a receiver), its base URL and its log.
    """

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def port(self) -> int:
        """
        The loopback port the server listens on.
        """
        return int(self.url.rsplit(":", 1)[1])

    def memory_mb(self) -> tuple[float, float]:
        """
        Resident and peak resident memory now, in MB, from /proc/PID/status.
        """
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value
        return _kb_to_mb(fields["VmRSS"]), _kb_to_mb(fields["VmHWM"])


class Fleet:
    """
    Starts servers and stops every one of them on exit, whatever happened.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._servers: list[Server] = []

    def __enter__(self) -> "Fleet":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for server in list(self._servers):
            self.stop(server)

    def start(
        self, name: str, args: list[str], env: dict[str, str], health: str
    ) -> Server:
        """
        Run `python args...` with `env`, PORT filled in; wait until `health` answers.
        """
        port = str(free_port())
        log = self.workdir / f"{name}-{port}.log"
        command = [sys.executable, "-X", "utf8", *args]
        command = [part.replace("{port}", port) for part in command]
        env = {key: value.replace("{port}", port) for key, value in env.items()}

        process = self._spawn(command, env, log)
        server = Server(name, f"http://127.0.0.1:{port}", process, log)
        self._servers.append(server)
        _wait_until_up(server, health)
        return server

    def _spawn(
        self, command: list[str], env: dict[str, str], log: Path
    ) -> subprocess.Popen[bytes]:
        # The working folder holds no .env, so only `env` configures the server. A
        # group of its own keeps Ctrl+C away from it: the benchmark stops it in turn.
        with log.open("wb") as output:
            return subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=die_with_parent,
            )

    def stop(self, server: Server) -> None:
        """
        Ask the server to stop; kill it if it has not stopped in time.
        """
        if server in self._servers:
            self._servers.remove(server)
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def child_env() -> dict[str, str]:
    """
    This environment without any server settings, with the project on the path.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(SETTING_PREFIXES)
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def free_port() -> int:
    """
    A TCP port on 127.0.0.1 that nothing listens on right now.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:
    """
    In a child about to start: be killed if the benchmark dies, even by SIGKILL.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _wait_until_up(server: Server, health: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            httpx.get(server.url + health, timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        return

    tail = server.log.read_text("utf-8", "replace")[-2000:]
    raise RuntimeError(f"{server.name} did not start at {server.url}:\n{tail}")


def _kb_to_mb(value: str) -> float:
    return int(value.split()[0]) / 1024
