"""
Tests of the console logging set-up shared by both servers.
"""

import logging

import pytest
from pydantic import BaseModel, ValidationError

from kit_process.console import (
    SingleLineFilter,
    describe_settings_error,
    escape_controls,
)


def test_single_line_filter_escapes_line_breaks() -> None:
    """A line break, NUL or ANSI escape in a log value is written as \\xNN."""
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "a=%s", ("1\nINFO forged\x00\x1b[31m",), None
    )

    SingleLineFilter().filter(record)

    assert record.getMessage() == "a=1\\x0aINFO forged\\x00\\x1b[31m"


def test_single_line_filter_escapes_bidi_controls() -> None:
    """Marks, embeddings, overrides and isolates are written as \\uNNNN."""
    value = "a\u202eb\u2066c\u2069d\u200fe\u061cf"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a=%s", (value,), None)

    SingleLineFilter().filter(record)

    assert record.getMessage() == "a=a\\u202eb\\u2066c\\u2069d\\u200fe\\u061cf"


def test_escape_controls_keeps_joiners() -> None:
    """Zero-width joiners, which emoji and some scripts need, are kept as they are."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"

    assert escape_controls(family) == family


def test_describe_settings_error_names_variables() -> None:
    """Each problem is named by its environment variable, list items by index."""

    class Settings(BaseModel):
        port: int
        waits: tuple[float, ...]

    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({"port": "x", "waits": ("1", "y")})

    described = describe_settings_error(caught.value, "INVOICE_API_")

    assert described.startswith("INVOICE_API_PORT: Input should be a valid integer")
    assert "; INVOICE_API_WAITS[1]: Input should be a valid number" in described
