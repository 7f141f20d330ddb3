"""
Why a `.env` file cannot be read as settings: most often, the encoding it was saved in.
"""

from pathlib import Path

# Byte order marks of encodings that are not UTF-8; the longer marks come first.
FOREIGN_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16, what > and Out-File write in Windows PowerShell 5.1"),
    (b"\xfe\xff", "UTF-16"),
)


def env_file_problem(path: Path) -> str | None:
    """
    Why `path` cannot be read as UTF-8 settings, in one line; None when it can or
    when it is not a file (settings then come from the environment alone).
    """
    if not path.is_file():
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"

    encoding = _marked_encoding(data)
    if encoding is not None:
        return (
            f"cannot read {path}: it is saved as {encoding}; save it as UTF-8, "
            "or start again from a copy of .env.example"
        )
    return _utf8_problem(path, data)


def _marked_encoding(data: bytes) -> str | None:
    for mark, encoding in FOREIGN_MARKS:
        if data.startswith(mark):
            return encoding
    # UTF-16 without a mark still puts a NUL beside every ASCII letter.
    return "UTF-16 without a byte order mark" if b"\x00" in data[:64] else None


def _utf8_problem(path: Path, data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"cannot read {path}: it is not UTF-8 (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        )
    return None
