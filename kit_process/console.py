"""
Logging to a console, configured once at start-up: one safe line per record.
"""

import io
import logging
import sys

from pydantic import ValidationError
from pydantic_settings import SettingsError

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
# C0 and C1 control characters (line breaks, NUL, ANSI escapes) as \xNN ...
CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), *range(127, 160)]}
# ... and the bidirectional controls that make a line read differently than it is.
CONTROL_ESCAPES |= {
    code: f"\\u{code:04x}" for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


class SingleLineFilter(logging.Filter):
    """
    Escape control characters in messages, so no value can split or colour a line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """
        Replace the message by its escaped text; always keep the record.
        """
        record.msg = record.getMessage().translate(CONTROL_ESCAPES)
        record.args = None
        return True


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


def describe_settings_error(exc: ValidationError | SettingsError) -> str:
    """
    Every problem of a settings error on one line, without echoing values.
    """
    if not isinstance(exc, ValidationError):
        return str(exc)

    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(map(str, error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
