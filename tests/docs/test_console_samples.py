"""
Console lines shown in the docs look as honcho prints them, and the start-up
refusals shown are the servers' own words.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kit_process.env_file import env_file_problem
from kit_process.port_check import listen_problem
from tests.docs.markdown import DOCS, fenced
from tests.docs.test_log_events import code_events
from tests.servers import ROOT

HONCHO_LINE = re.compile(r"^(\d\d:\d\d:\d\d )?(api\.1 {5}|receiver\.1) \| (.*)$")
LOG_RECORD = re.compile(
    r"(INFO|WARNING|ERROR) (invoice_api|callback_receiver)\.\w+: (\S+)"
)
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"


def console_lines() -> list[str]:
    """
    Every line of a ```text block that a process under honcho printed.
    """
    return [
        line
        for path in DOCS
        for block in fenced(path, "text")
        for line in block.splitlines()
        if HONCHO_LINE.match(line)
    ]


def test_docs_console_lines_have_honcho_time_prefix() -> None:
    """Each line shown from under honcho starts with the time, as honcho prints it."""
    lines = console_lines()

    assert len(lines) >= 20
    assert [line for line in lines if not re.match(r"\d\d:\d\d:\d\d ", line)] == []


def test_docs_console_lines_log_real_events() -> None:
    """Each log record shown names an event the code logs, at its level."""
    known = {(event, level) for _, event, level in code_events()}

    for line in console_lines():
        shown = HONCHO_LINE.match(line)
        assert shown is not None
        record = LOG_RECORD.match(shown.group(3))
        if record is not None:
            assert (record.group(3), record.group(1)) in known, line


def test_troubleshooting_shows_env_file_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UTF-16 .env line is what the API writes for such a file."""
    monkeypatch.chdir(tmp_path)
    Path(".env").write_text("INVOICE_API_ATTEMPTS=6\n", encoding="utf-16")

    problem = env_file_problem(Path(".env"))

    assert f"| invoice_api: invalid settings: {problem}\n" in _troubleshooting()


def test_troubleshooting_shows_address_refusal() -> None:
    """The address line is what the API writes for an address not of this machine."""
    problem = listen_problem("192.0.2.1", 8000, "INVOICE_API_")

    assert f"| invoice_api: {problem}\n" in _troubleshooting()


def test_troubleshooting_shows_database_refusal() -> None:
    """The database line is what the API writes for a folder it cannot create."""
    env = {**os.environ, "INVOICE_API_DATABASE_URL": "sqlite:////proc/nope/x.db"}

    result = subprocess.run(
        [sys.executable, "-m", "invoice_api"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert f"| {result.stderr}" in _troubleshooting()


def _troubleshooting() -> str:
    return TROUBLESHOOTING.read_text("utf-8")
