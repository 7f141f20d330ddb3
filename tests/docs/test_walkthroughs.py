"""
The walkthroughs hold every step, the same in English and Japanese, and install
exactly what the project depends on.
"""

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from tests.docs.markdown import fenced
from tests.docs.powershell import commands
from tests.servers import ROOT

ENGLISH = ROOT / "docs" / "windows-powershell.md"
JAPANESE = ROOT / "docs" / "ja" / "windows-powershell.md"
BASH = ROOT / "docs" / "macos-linux.md"
PIP_INSTALL = re.compile(r"^python -m pip install (.+)$", re.MULTILINE)


def walkthrough_commands(path: Path) -> list[list[str]]:
    """
    The commands of each PowerShell block of a walkthrough, without comments.
    """
    return [commands(block) for block in fenced(path, "powershell")]


def dependencies() -> set[str]:
    """
    The project's runtime dependencies, as pyproject.toml writes them.
    """
    with (ROOT / "pyproject.toml").open("rb") as file:
        return set(tomllib.load(file)["project"]["dependencies"])


def pip_install_mismatch(arguments: str, wanted: set[str]) -> set[str]:
    """
    Requirements installed but not wanted, or wanted but not installed.
    """
    return set(shlex.split(arguments)) ^ wanted


def test_windows_walkthroughs_run_same_commands() -> None:
    """The Japanese walkthrough has the English one's commands, in the same order."""
    english = walkthrough_commands(ENGLISH)

    assert len(english) >= 10
    assert walkthrough_commands(JAPANESE) == english


def test_compare_walkthroughs_catches_reordered_commands(tmp_path: Path) -> None:
    """Two commands swapped in a translation make the walkthroughs differ."""
    text = JAPANESE.read_text("utf-8")
    first, second = "Copy-Item .env.example .env", "uv run honcho start"
    swapped = tmp_path / "windows-powershell.md"
    swapped.write_text(
        text.replace(first, "\0").replace(second, first).replace("\0", second),
        encoding="utf-8",
    )

    assert walkthrough_commands(swapped) != walkthrough_commands(ENGLISH)


@pytest.mark.parametrize(
    "step",
    [
        pytest.param("Set-ExecutionPolicy -Scope Process -ExecutionPolicy Bypass"),
        pytest.param("irm https://astral.sh/uv/install.ps1 | iex"),
        pytest.param("py -m venv .venv"),
        pytest.param(".venv\\Scripts\\Activate.ps1"),
        pytest.param("Copy-Item .env.example .env"),
        pytest.param("uv run honcho start"),
        pytest.param("uv run python scripts/send_invoice.py"),
        pytest.param("[System.Text.Encoding]::UTF8.GetBytes("),
        pytest.param('-ContentType "application/json; charset=utf-8"'),
        pytest.param('-H "Content-Type: application/json; charset=utf-8"'),
        pytest.param('--data-binary "@examples/invoice.json"'),
        pytest.param("Invoke-RestMethod -Method Put -Uri http://127.0.0.1:8001/fail"),
        pytest.param("Start-Process http://127.0.0.1:8000/docs"),
        pytest.param("uv run python scripts/stop_demo.py"),
    ],
)
def test_windows_walkthrough_has_step(step: str) -> None:
    """Each step the Windows walkthrough promises is in one of its commands."""
    lines = [line for block in walkthrough_commands(ENGLISH) for line in block]

    assert any(step in line for line in lines)


@pytest.mark.parametrize(
    ("path", "language"),
    [
        pytest.param(ENGLISH, "powershell", id="windows"),
        pytest.param(JAPANESE, "powershell", id="windows-ja"),
        pytest.param(BASH, "bash", id="macos-linux"),
    ],
)
def test_walkthrough_pip_install_matches_pyproject(path: Path, language: str) -> None:
    """The step without uv installs exactly the project's runtime dependencies."""
    [arguments] = [
        found
        for block in fenced(path, language)
        for found in PIP_INSTALL.findall(block)
    ]

    assert pip_install_mismatch(arguments, dependencies()) == set()


def test_compare_pip_install_catches_missing_and_extra() -> None:
    """A dependency left out, or one the project does not have, is reported."""
    wanted = {"fastapi>=0.115", "httpx>=0.27"}

    mismatch = pip_install_mismatch('"fastapi>=0.115" "requests>=2"', wanted)

    assert mismatch == {"httpx>=0.27", "requests>=2"}
