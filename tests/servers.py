"""
Real servers for tests: uvicorn on free loopback ports, and polling with a deadline.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    """
    Return a TCP port on 127.0.0.1 that nothing listens on right now.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    probe: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.05
) -> T:
    """
    Call `probe` until it returns something truthy; fail at the deadline.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s: {probe}")


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """
    Run `app` under uvicorn in a thread on a loopback port; yield its base URL.
    """
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive())
        if not server.started:
            raise AssertionError(f"server on port {port} did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def run_module(
    module: str, env: dict[str, str], health_url: str, log: Path, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """
    Start `python -m module` in `cwd` writing to `log`; wait until `health_url`
    answers. Outside ROOT, `env` must put ROOT on PYTHONPATH.
    """
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-X", "utf8", "-u", "-m", module],
            cwd=cwd,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: _answers(health_url) or process.poll() is not None)
        if process.poll() is not None:
            raise AssertionError(
                f"{module} exited: {log.read_text('utf-8', 'replace')}"
            )
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1.0)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def silent_server() -> Iterator[str]:
    """
    A loopback port whose connections are accepted by the kernel but never answered.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def memory_mb(pid: int) -> tuple[float, float]:
    """
    Resident and peak resident memory of a process, in MB (Linux /proc).
    """
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    return tuple(  # type: ignore[return-value]
        int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")
    )
