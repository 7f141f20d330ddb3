"""
Logging to a console, configured once at start-up: one safe line per record.
"""

import io
import logging
import sys
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

from kit_process.env_file import env_file_problem

S = TypeVar("S", bound=BaseSettings)

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
# C0 and C1 control characters (line breaks, NUL, ANSI escapes) as \xNN ...
CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), *range(127, 160)]}
# ... and the bidirectional formatting characters (marks, embeddings, overrides,
# isolates) that make a line read in another order than it is written.
BIDI_CONTROLS = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
BIDI_ESCAPES = {code: f"\\u{code:04x}" for code in BIDI_CONTROLS}
CONTROL_ESCAPES |= BIDI_ESCAPES


class SingleLineFilter(logging.Filter):
    """
    Escape control characters in messages, so no value can split or colour a line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """
        Replace the message by its escaped text; always keep the record.
        """
        record.msg = escape_controls(record.getMessage())
        record.args = None
        return True


def escape_controls(text: str) -> str:
    """
    `text` with each control or bidirectional formatting character as \\xNN or
    \\uNNNN, so that it shows as one line, in the order it was written.
    """
    return text.translate(CONTROL_ESCAPES)


def configure_logging() -> None:
    """
    INFO and above to stdout; a character the console cannot show is escaped.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")

    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(SingleLineFilter())


def describe_settings_error(exc: ValidationError | SettingsError, prefix: str) -> str:
    """
    Every problem of a settings error on one line, each named by its variable
    (`prefix` and the field, e.g. INVOICE_API_PORT), without echoing values.
    """
    if not isinstance(exc, ValidationError):
        return str(exc)

    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        variable = _variable(error["loc"], prefix)
        problems.append(f"{variable}: {message}" if variable else message)
    return "; ".join(problems)


def _variable(loc: tuple[int | str, ...], prefix: str) -> str:
    # ("wait_schedule", 2) is INVOICE_API_WAIT_SCHEDULE[2]; () is the whole model.
    if not loc:
        return ""
    items = "".join(f"[{part}]" for part in loc[1:])
    return f"{prefix}{str(loc[0]).upper()}{items}"


def read_settings(settings_class: type[S], process: str, prefix: str) -> S | None:
    """
    The process's settings from the environment and `.env`; None once the reason
    they cannot be had is written to stderr in one line, after `process`.
    """
    # pydantic-settings reads .env as UTF-8; another encoding is named, not guessed.
    problem = env_file_problem(Path(".env"))
    if problem is not None:
        sys.stderr.write(f"{process}: invalid settings: {problem}\n")
        return None
    try:
        return settings_class()
    except (ValidationError, SettingsError) as exc:
        reason = describe_settings_error(exc, prefix)
        sys.stderr.write(f"{process}: invalid settings: {reason}\n")
        return None
