"""
What a verified callback body must be: JSON that the inbox can store and serve back.
"""

import json
import re

from pydantic import JsonValue

from callback_receiver.models import InvoiceEvent

# The contract is flat; deep nesting only costs stack, and crashes the parser.
MAX_DEPTH = 32
# An escape such as \ud800 parses to a lone surrogate, which UTF-8 cannot encode.
SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE = "body has a lone surrogate, which is not valid Unicode"
TOO_DEEP = f"body nests deeper than {MAX_DEPTH} levels"


class BodyError(Exception):
    """
    A verified body that is not usable JSON; the message is the reason.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_body(body: bytes) -> str:
    """
    The body as text; raise `BodyError` if it is not UTF-8.
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"body is not UTF-8 (byte {exc.start})") from exc


def parse_event(text: str) -> InvoiceEvent:
    """
    Parse a body into an event; raise `BodyError`, or `ValidationError` off contract.
    """
    return InvoiceEvent.model_validate(load_body(text))


def load_body(text: str) -> JsonValue:
    """
    Parse JSON text, refusing NaN, duplicate keys, deep nesting and lone surrogates
    with `BodyError`.
    """
    try:
        data: JsonValue = json.loads(
            text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys
        )
    except RecursionError as exc:
        raise BodyError(TOO_DEEP) from exc
    except ValueError as exc:
        raise BodyError(f"body is not JSON: {exc}") from exc

    _check_values(data)
    return data


def _check_values(data: JsonValue) -> None:
    # A loop, not recursion: a deep body must not exhaust the stack here either.
    pending: list[tuple[JsonValue, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str) and SURROGATE.search(value):
            raise BodyError(LONE_SURROGATE)
        if isinstance(value, dict | list) and depth == MAX_DEPTH:
            raise BodyError(TOO_DEEP)

        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            pending.extend((child, depth + 1) for child in value)


def _unique_keys(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    # Parsers differ on which of two equal keys wins; one that is signed is refused.
    found: dict[str, JsonValue] = {}
    for key, value in pairs:
        if key in found:
            raise BodyError(f"body has the key {key!r} more than once")
        found[key] = value
    return found


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON; stored, they would break the /events answer.
    raise ValueError(f"{name} is not a JSON value")
