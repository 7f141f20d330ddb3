"""
`python -m callback_receiver`: configure logging, then serve on the settings' address.
"""

import io
import logging
import sys

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from callback_receiver.app import create_app
from callback_receiver.port_check import listen_problem
from callback_receiver.settings import ReceiverSettings

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
# Every C0 and C1 control character (line breaks, NUL, ANSI escapes) as \xNN.
CONTROL_ESCAPES = {
    code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]
}
# ... and the bidirectional controls that make a line read differently than it is.
CONTROL_ESCAPES |= {
    code: f"\\u{code:04x}" for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


class ControlCharacterFilter(logging.Filter):
    """
    Escape control characters in each message, so no value can forge or colour a line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """
        Replace the message by its escaped text; always keep the record.
        """
        record.msg = record.getMessage().translate(CONTROL_ESCAPES)
        record.args = None
        return True


def main() -> int:
    """
    Run the receiver until interrupted; return 2 when the settings are invalid, 3
    when its port cannot be had, each with one clear line.
    """
    _configure_logging()
    try:
        settings = ReceiverSettings()
    except (ValidationError, SettingsError) as exc:
        sys.stderr.write(f"callback_receiver: invalid settings: {_summarise(exc)}\n")
        return 2

    problem = listen_problem(settings.host, settings.port)
    if problem is not None:
        sys.stderr.write(f"callback_receiver: {problem}\n")
        return 3

    # Only CALLBACK_RECEIVER_PORT counts; honcho's PORT is never read.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def _configure_logging() -> None:
    # A console that cannot show a character prints an escape instead of crashing.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")

    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(ControlCharacterFilter())


def _summarise(exc: ValidationError | SettingsError) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)

    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(map(str, error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


if __name__ == "__main__":
    sys.exit(main())
