"""
Tests of the secret generator command.
"""

import subprocess
import sys

from invoice_api.settings import ApiSettings
from tests.servers import ROOT


def test_secrets_command_prints_usable_secret() -> None:
    """The command prints a new secret each time, one the settings accept."""
    runs = [
        subprocess.run(
            [sys.executable, "-m", "invoice_api.secrets"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
        for _ in range(2)
    ]

    assert runs[0] != runs[1]
    assert all(secret.startswith("whsec_") for secret in runs)
    assert ApiSettings(_env_file=None, webhook_secret=runs[0]).webhook_secret == runs[0]


def test_secrets_command_answers_help() -> None:
    """--help describes the command instead of printing a secret."""
    result = subprocess.run(
        [sys.executable, "-m", "invoice_api.secrets", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0
    assert "whsec_" in result.stdout
    assert "usage:" in result.stdout
