"""
Tests of the console logging set-up shared by both servers.
"""

import logging

from kit_process.console import SingleLineFilter


def test_single_line_filter_escapes_line_breaks() -> None:
    """A line break, NUL or ANSI escape in a log value is written as \\xNN."""
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "a=%s", ("1\nINFO forged\x00\x1b[31m",), None
    )

    SingleLineFilter().filter(record)

    assert record.getMessage() == "a=1\\x0aINFO forged\\x00\\x1b[31m"
