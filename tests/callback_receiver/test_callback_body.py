"""
Tests of the callback body rules: JSON that the inbox can store and serve back.
"""

import pytest
from pydantic import ValidationError

from callback_receiver.callback_body import (
    MAX_DEPTH,
    BodyError,
    load_body,
    parse_event,
)
from callback_receiver.models import InvoiceEvent


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_load_body_joins_surrogate_pair() -> None:
    """A surrogate pair escape is one character beyond the BMP, and accepted."""
    data = load_body('{"description": "\\ud83d\\ude00"}')

    assert data == {"description": "😀"}


def test_load_body_accepts_nesting_at_limit() -> None:
    """Arrays nested exactly MAX_DEPTH levels deep are accepted."""
    data = load_body(_nested(MAX_DEPTH))

    assert isinstance(data, list)


REFUSALS = [
    pytest.param('"\\ud800"', "lone surrogate", id="lone-high"),
    pytest.param('["ok", "\\udc00"]', "lone surrogate", id="lone-low"),
    pytest.param('"\\ude00\\ud83d"', "lone surrogate", id="pair-reversed"),
    pytest.param('{"\\ud800": 1}', "lone surrogate", id="in-a-key"),
    pytest.param(_nested(MAX_DEPTH + 1), "nests deeper than 32", id="one-too-deep"),
    pytest.param('{"a": ' * 40 + "1" + "}" * 40, "nests deeper", id="objects-40"),
    pytest.param("[" * 50_000, "nests deeper", id="arrays-50000"),
    pytest.param("[1, Infinity]", "Infinity is not a JSON value", id="infinity"),
    pytest.param("{not json", "body is not JSON", id="broken"),
    pytest.param(
        '{"description": "x", "paid": false, "paid": true}',
        "body has the key 'paid' more than once",
        id="key-twice",
    ),
    pytest.param(
        '{"a": {"b": 1, "b": 2}}', "key 'b' more than once", id="nested-twice"
    ),
]


@pytest.mark.parametrize(("text", "reason"), REFUSALS)
def test_load_body_refused(text: str, reason: str) -> None:
    """Text that could not be stored and served back raises BodyError naming why."""
    with pytest.raises(BodyError) as caught:
        load_body(text)

    assert reason in caught.value.reason
    assert str(caught.value) == caught.value.reason


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param('{"description": "x", "paid": "yes"}', "paid", id="paid-yes"),
        pytest.param('{"description": "x", "paid": 1}', "paid", id="paid-1"),
        pytest.param('{"description": "x", "paid": "true"}', "paid", id="paid-text"),
        pytest.param('{"description": 42, "paid": true}', "description", id="desc-42"),
        pytest.param(
            '{"description": null, "paid": true}', "description", id="desc-null"
        ),
    ],
)
def test_parse_event_rejected_when_types_loose(text: str, field: str) -> None:
    """Only a JSON boolean is `paid`, and only a JSON string is `description`."""
    with pytest.raises(ValidationError) as caught:
        parse_event(text)

    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


def test_parse_event_ignores_unknown_fields() -> None:
    """Fields the API may add later are ignored, not refused."""
    event = parse_event('{"description": "x", "paid": false, "currency": "JPY"}')

    assert event == InvoiceEvent(description="x", paid=False)
