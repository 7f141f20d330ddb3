"""
docs/macos-linux.md run as written, in bash, in a scratch copy of the project: on
free ports, with `uv run` standing for the virtual environment the tests run in.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.docs.markdown import fenced
from tests.servers import ROOT, free_port, wait_for

WALKTHROUGH = ROOT / "docs" / "macos-linux.md"
PROJECT_FILES = ("Procfile", ".env.example", "examples", "scripts")
PACKAGES = ("invoice_api", "callback_receiver", "kit_process")
# Commands left out, each with its reason: none of them may run in a test.
NOT_RUN = {
    "curl -LsSf https://astral.sh/": "downloads and installs uv",
    "uv --version": "uv itself is stood in for",
    "python3 -m venv": "the way without uv",
    "source .venv/bin/activate": "the way without uv",
    "python -m pip install": "downloads packages",
    "open ": "opens a browser",
    "xdg-open ": "opens a browser",
}
START = "uv run honcho start"
# Stands for `uv run`: the tests' virtual environment is first on the PATH.
UV_SHIM = '#!/bin/sh\n[ "$1" = run ] || exit 64\nshift\nexec "$@"\n'


def test_run_macos_linux_walkthrough(tmp_path: Path) -> None:
    """Start, send by script and by curl, watch a retry, stop: as the page says."""
    ports = free_port(), free_port()
    project, console = _scratch_project(tmp_path), tmp_path / "console.log"
    env = _environment(tmp_path, *ports)

    honcho: subprocess.Popen[bytes] | None = None
    outputs: dict[str, str] = {}
    try:
        for command in _runnable_commands():
            if command == START:
                honcho = _start(project, env, console, ports)
                continue
            if "stop_demo.py" in command and honcho is not None:
                _press_ctrl_c(honcho)
            if "/events?invoice_id=" in command:
                _wait_for_event(command, ports[1])
            outputs[command] = _run(_on_ports(command, *ports), project, env)
    finally:
        if honcho is not None and honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait(timeout=10)

    _assert_walkthrough_story(outputs, console.read_text("utf-8"), ports)


def _assert_walkthrough_story(
    outputs: dict[str, str], log: str, ports: tuple[int, int]
) -> None:
    sent = _output(outputs, "invoices/?callback_url=")
    events = _output(outputs, "/events?invoice_id=")
    scripts = [out for command, out in outputs.items() if "send_invoice" in command]

    assert list(outputs)[0] == "cp .env.example .env"
    assert len(scripts) == 2
    assert all("round trip complete" in output for output in scripts)
    assert json.loads(sent)["callback"]["status"] == "scheduled"
    [event] = json.loads(events)["events"]
    assert event["verified"] is True
    assert "株式会社サンプル商事" in event["body"]["description"]
    assert "callback.received invoice_id=inv-example-001" in log
    # As the docs show it: honcho's time and name, then the record; two decimals.
    assert re.search(
        r"^\d\d:\d\d:\d\d api\.1 {6}\| INFO invoice_api\.routes: invoice\.received "
        r"invoice_id=inv-example-001 webhook_id=msg_\w+ customer=\S+ \S+ "
        r"total=33000\.00$",
        log,
        re.MULTILINE,
    )
    assert log.count("callback.failing_on_purpose") == 2
    assert log.count("callback.retry_scheduled") == 2
    assert re.search(r"callback\.delivered .* attempt=3 status=200", log)
    assert _output(outputs, "stop_demo.py").splitlines() == [
        f"port {ports[0]}: free",
        f"port {ports[1]}: free",
    ]
    assert not _listening(ports[0]) and not _listening(ports[1])


def _runnable_commands() -> list[str]:
    lines = [
        line.split("  #")[0].strip()
        for block in fenced(WALKTHROUGH, "bash")
        for line in block.splitlines()
    ]
    return [line for line in lines if line and not line.startswith(tuple(NOT_RUN))]


def _scratch_project(tmp_path: Path) -> Path:
    # The project's files, linked; `cp .env.example .env` and data/ stay here.
    project = tmp_path / "project"
    project.mkdir()
    for name in (*PROJECT_FILES, *PACKAGES):
        (project / name).symlink_to(ROOT / name)

    shim = tmp_path / "bin" / "uv"
    shim.parent.mkdir()
    shim.write_text(UV_SHIM, encoding="ascii")
    shim.chmod(0o755)
    return project


def _environment(tmp_path: Path, api_port: int, receiver_port: int) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INVOICE_API_", "CALLBACK_RECEIVER_"))
    }
    venv = Path(sys.executable).parent
    return {
        **inherited,
        "PATH": os.pathsep.join([str(tmp_path / "bin"), str(venv), inherited["PATH"]]),
        "PYTHONUTF8": "1",
        "INVOICE_API_PORT": str(api_port),
        "CALLBACK_RECEIVER_PORT": str(receiver_port),
        "INVOICE_API_PAYMENT_DELAY": "0.2",
        # The receiver is not on 8001 here, so the allow-list must name its port.
        "INVOICE_API_CALLBACK_ALLOWLIST": f"127.0.0.1:{receiver_port}",
    }


def _on_ports(command: str, api_port: int, receiver_port: int) -> str:
    api, receiver = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{receiver_port}"
    command = command.replace("http://127.0.0.1:8000", api)
    command = command.replace("http://127.0.0.1:8001", receiver)
    if "scripts/send_invoice.py" in command:
        command += f" --api {api} --receiver {receiver}"
        command += f" --callback-url {receiver}/callback"
    return command


def _start(
    project: Path, env: dict[str, str], console: Path, ports: tuple[int, int]
) -> subprocess.Popen[bytes]:
    # A session of its own, as a terminal's foreground job, for Ctrl+C later.
    with console.open("wb") as output:
        honcho = subprocess.Popen(
            ["bash", "-c", START],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for(
        lambda: all(map(_listening, ports)) or honcho.poll() is not None, timeout=30
    )
    assert honcho.poll() is None, console.read_text("utf-8")
    return honcho


def _press_ctrl_c(honcho: subprocess.Popen[bytes]) -> None:
    os.killpg(honcho.pid, signal.SIGINT)
    honcho.wait(timeout=20)


def _wait_for_event(command: str, receiver_port: int) -> None:
    # The walkthrough asks "a second later"; the test waits for the event instead.
    match = re.search(r"invoice_id=([\w.-]+)", command)
    assert match is not None
    url = f"http://127.0.0.1:{receiver_port}/events"
    params = {"invoice_id": match.group(1)}
    wait_for(lambda: httpx.get(url, params=params).json()["events"])


def _run(command: str, project: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _output(outputs: dict[str, str], part: str) -> str:
    [output] = [out for command, out in outputs.items() if part in command]
    return output


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
