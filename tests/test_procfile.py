"""
The demo as `uv run honcho start` runs it: the Procfile, `.env.example`, both consoles.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from invoice_api.settings import ApiSettings
from tests.servers import ROOT, free_port, wait_for
from tests.settings_defaults import all_defaults

PROCFILE = ROOT / "Procfile"
PATH = os.environ.get("PATH", "")
ENV_EXAMPLE = ROOT / ".env.example"
# Means the same under /bin/sh and cmd.exe: no variables, quotes or redirection.
PORTABLE_COMMAND = re.compile(r"python -X utf8 -u -m [a-z_]+")
SHOWN_SETTING = re.compile(r"^# ([A-Z_]+)=(.*)$", re.MULTILINE)


def test_procfile_lines_are_portable() -> None:
    """Two processes, each a plain command that /bin/sh and cmd.exe read alike."""
    text = PROCFILE.read_bytes().decode("ascii")

    entries = dict(line.split(": ", 1) for line in text.splitlines())
    assert entries == {
        "api": "python -X utf8 -u -m invoice_api",
        "receiver": "python -X utf8 -u -m callback_receiver",
    }
    assert all(PORTABLE_COMMAND.fullmatch(command) for command in entries.values())


@pytest.mark.parametrize("path", [PROCFILE, ENV_EXAMPLE], ids=lambda p: p.name)
def test_demo_files_are_plain_ascii(path: Path) -> None:
    """No BOM, no UTF-16, no non-ASCII: every tool on every system reads them."""
    data = path.read_bytes()

    assert not data.startswith(b"\xef\xbb\xbf")
    data.decode("ascii")
    assert b"\r\n" not in data


def test_env_example_shows_true_defaults() -> None:
    """Each commented setting in .env.example exists and shows its real default."""
    defaults = all_defaults()

    lines = ENV_EXAMPLE.read_text("ascii").splitlines()
    shown = dict(SHOWN_SETTING.findall("\n".join(lines)))
    assert set(shown) == set(defaults)
    for key, value in shown.items():
        assert value == defaults[key], key


def test_env_example_demo_schedule_loads() -> None:
    """The active lines set a fast schedule that the API reads as given."""
    settings = ApiSettings(_env_file=ENV_EXAMPLE)

    assert settings.attempts == 6
    assert settings.wait_schedule == (1, 2, 5, 10, 20)
    assert sum(settings.wait_schedule) < 60


def test_honcho_start_runs_round_trip(tmp_path: Path) -> None:
    """honcho starts both servers; the client's invoice shows in both consoles."""
    api_port, receiver_port = free_port(), free_port()
    env_file = _demo_env(tmp_path, api_port, receiver_port)
    console = tmp_path / "console.log"

    with console.open("wb") as output:
        honcho = subprocess.Popen(
            [_venv_tool("honcho"), "-e", str(env_file), "start", "--no-colour"],
            cwd=ROOT,
            env={**os.environ, "PATH": f"{_venv_tool('')}{os.pathsep}{PATH}"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: _answers(api_port) and _answers(receiver_port), timeout=20)
        client = _run_client(api_port, receiver_port)
    finally:
        honcho.send_signal(signal.SIGINT)
        honcho.wait(timeout=20)

    log = console.read_text("utf-8")
    assert client.returncode == 0, client.stderr
    for process, event in [
        ("api.1", "invoice.received invoice_id=inv-honcho"),
        ("api.1", "payment.collected invoice_id=inv-honcho"),
        ("api.1", "callback.delivered invoice_id=inv-honcho"),
        ("receiver.1", "callback.received invoice_id=inv-honcho"),
    ]:
        assert re.search(rf"{process}\s+\| .*{event}", log), event
    assert "山田花子" in log
    assert not _answers(api_port) and not _answers(receiver_port)


def _demo_env(tmp_path: Path, api_port: int, receiver_port: int) -> Path:
    env_file = tmp_path / "demo.env"
    env_file.write_text(
        f"INVOICE_API_PORT={api_port}\n"
        "INVOICE_API_CALLBACK_ALLOWLIST=127.0.0.1:*\n"
        f"INVOICE_API_DATABASE_URL=sqlite:///{tmp_path / 'api.db'}\n"
        "INVOICE_API_PAYMENT_DELAY=0.2\n"
        f"CALLBACK_RECEIVER_PORT={receiver_port}\n"
        f"CALLBACK_RECEIVER_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'r.db'}\n",
        encoding="ascii",
    )
    return env_file


def _run_client(api_port: int, receiver_port: int) -> subprocess.CompletedProcess[str]:
    receiver = f"http://127.0.0.1:{receiver_port}"
    return subprocess.run(
        [
            sys.executable,
            "-X",
            "utf8",
            str(ROOT / "scripts" / "send_invoice.py"),
            "--api",
            f"http://127.0.0.1:{api_port}",
            "--receiver",
            receiver,
            "--callback-url",
            f"{receiver}/callback",
            "--id",
            "inv-honcho",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def _venv_tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _answers(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1.0)
    except httpx.TransportError:
        return False
    return True
