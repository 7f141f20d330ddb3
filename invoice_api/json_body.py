"""
Request bodies read as strict JSON: sent as application/json, each key once, numbers
read exactly and written without an exponent. Each refusal is a 422 naming where.
"""

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
NOT_JSON_TYPE = "the body must be JSON, sent with Content-Type: application/json"


class BodyRefusedError(Exception):
    """
    A body that parses as JSON but breaks a rule; `loc` says where, `msg` why.
    """

    def __init__(self, loc: tuple[str | int, ...], kind: str, msg: str) -> None:
        super().__init__(msg)
        self.error = {"type": kind, "loc": loc, "msg": msg}


class _Refused:
    """
    A number the parser would not read, kept until its key is known.
    """

    def __init__(self, literal: str, kind: str, msg: str) -> None:
        self.literal, self.kind, self.msg = literal, kind, msg


class StrictJsonRequest(Request):
    """
    A request whose JSON body is parsed by `load_strict_json`, once, before use.
    """

    parsed: Any = None

    async def json(self) -> Any:
        """
        The body as `StrictJsonRoute` parsed it.
        """
        return self.parsed


class StrictJsonRoute(APIRoute):
    """
    A route whose body, if it takes one, is checked by `load_strict_json` first.
    """

    def get_route_handler(self) -> Handler:
        """
        FastAPI's handler, behind the strict reading of a body.
        """
        handle = super().get_route_handler()
        if self.body_field is None:
            return handle

        async def handle_strictly(request: Request) -> Response:
            strict = StrictJsonRequest(request.scope, request.receive)
            body = await strict.body()
            if body:
                _check_content_type(strict)
                strict.parsed = _parse(body)
            return await handle(strict)

        return handle_strictly


def load_strict_json(body: bytes) -> Any:
    """
    Parse a body as JSON with `Decimal` numbers; raise `BodyRefusedError` for a key
    given twice, an exponent (1E2), NaN or Infinity, or a `ValueError` (of which
    `json.JSONDecodeError` is one) for what is not JSON at all.
    """
    text = body.decode(json.detect_encoding(body))
    data = json.loads(
        text,
        parse_float=_read_number,
        parse_constant=_refuse_constant,
        object_pairs_hook=_check_pairs,
    )
    if isinstance(data, _Refused):
        raise BodyRefusedError(("body",), data.kind, f"{data.literal} {data.msg}")
    return data


def _parse(body: bytes) -> Any:
    try:
        return load_strict_json(body)
    except BodyRefusedError as exc:
        raise RequestValidationError([exc.error]) from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        problem = f"the body is not JSON: {exc.msg} at {where}"
        raise _invalid(("body", exc.pos), problem) from exc
    except UnicodeDecodeError as exc:
        problem = f"the body is not UTF-8: byte 0x{body[exc.start]:02x} at {exc.start}"
        raise _invalid(("body", exc.start), problem) from exc
    except (ValueError, RecursionError) as exc:
        raise _invalid(("body",), f"the body is not usable JSON: {exc}") from exc


def _invalid(loc: tuple[str | int, ...], msg: str) -> RequestValidationError:
    return RequestValidationError([{"type": "json_invalid", "loc": loc, "msg": msg}])


def _check_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        error = {"type": "content_type", "loc": ("header", "content-type")}
        shown = content_type or None
        raise RequestValidationError([{**error, "msg": NOT_JSON_TYPE, "input": shown}])


def _read_number(literal: str) -> Decimal | _Refused:
    # Read exactly, not through a binary float; 1E2 is refused, not read as 100.
    if "e" in literal or "E" in literal:
        msg = "is written with an exponent; write the plain decimal, such as 19.99"
        return _Refused(literal, "number_format", msg)
    return Decimal(literal)


def _refuse_constant(name: str) -> _Refused:
    return _Refused(name, "finite_number", "is not a JSON number")


def _check_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            msg = f"the key {key!r} is given more than once; send each key once"
            raise BodyRefusedError(("body", key), "duplicate_key", msg)
        if isinstance(value, _Refused):
            msg = f"{value.literal} {value.msg}"
            raise BodyRefusedError(("body", key), value.kind, msg)
        found[key] = value
    return found
