"""
Tests of the `.env` check: which files the settings cannot read, and what it says.
"""

from pathlib import Path

import pytest

from kit_process.env_file import env_file_problem


@pytest.mark.parametrize(
    ("encoding", "said"),
    [
        pytest.param(
            "utf-16",
            "UTF-16, what > and Out-File write in Windows PowerShell 5.1",
            id="utf16-out-file",
        ),
        pytest.param("utf-16-be", "UTF-16 without a byte order mark", id="utf16-be"),
        pytest.param("utf-32", "UTF-32", id="utf32"),
    ],
)
def test_env_file_problem_names_encoding(
    tmp_path: Path, encoding: str, said: str
) -> None:
    """A .env in UTF-16 or UTF-32 is named with its encoding and the fix."""
    env = tmp_path / ".env"
    env.write_text("INVOICE_API_ATTEMPTS=6\n", encoding=encoding)

    problem = env_file_problem(env)

    assert problem == (
        f"cannot read {env}: it is saved as {said}; save it as UTF-8, or start "
        "again from a copy of .env.example"
    )


def test_env_file_problem_names_byte_that_is_not_utf8(tmp_path: Path) -> None:
    """A Shift_JIS comment is named by its first byte and where it is."""
    env = tmp_path / ".env"
    env.write_bytes("# 設定\nINVOICE_API_ATTEMPTS=6\n".encode("cp932"))

    problem = env_file_problem(env)

    assert problem == (
        f"cannot read {env}: it is not UTF-8 (byte 0x90 at offset 2); save it as UTF-8"
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"INVOICE_API_ATTEMPTS=6\n", id="ascii"),
        pytest.param("# 請求書\nX=1\n".encode(), id="utf8"),
        pytest.param(b"\xef\xbb\xbfINVOICE_API_ATTEMPTS=6\n", id="utf8-with-bom"),
        pytest.param(b"", id="empty"),
    ],
)
def test_env_file_problem_accepts_utf8(tmp_path: Path, data: bytes) -> None:
    """UTF-8, with or without a byte order mark, is no problem."""
    env = tmp_path / ".env"
    env.write_bytes(data)

    assert env_file_problem(env) is None


def test_env_file_problem_ignores_missing_file(tmp_path: Path) -> None:
    """No .env at all is no problem: the defaults apply."""
    assert env_file_problem(tmp_path / ".env") is None
