"""
`python -m invoice_api`: configure logging, then serve the API with uvicorn.
"""

import io
import logging
import sys

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from invoice_api.app import create_app
from invoice_api.port_check import listen_problem
from invoice_api.settings import ApiSettings

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
# C0 and C1 control characters: line breaks, ANSI escapes, NUL ...
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
        record.msg = record.getMessage().translate(CONTROL_ESCAPES)
        record.args = None
        return True


def main() -> int:
    """
    Serve until interrupted; exit with one clear line, 2 for bad settings, 3 when
    the port cannot be had.
    """
    _configure_logging()
    try:
        settings = ApiSettings()
    except (ValidationError, SettingsError) as exc:
        sys.stderr.write(f"invoice_api: invalid settings: {_summarise(exc)}\n")
        return 2

    problem = listen_problem(settings.host, settings.port)
    if problem is not None:
        sys.stderr.write(f"invoice_api: {problem}\n")
        return 3

    # Only INVOICE_API_PORT counts; honcho's PORT is never read.
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
        handler.addFilter(SingleLineFilter())
    # The dispatcher logs each attempt itself; httpx's own line would repeat it.
    logging.getLogger("httpx").setLevel(logging.WARNING)


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
