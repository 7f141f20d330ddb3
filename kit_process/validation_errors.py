"""
Validation errors as 422 answers that are always valid, short JSON.
"""

import math
from typing import Any

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ECHO = 100
UNKNOWN_QUERY = "unknown query parameter: this operation takes no such parameter"


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """
    Answer 422 naming each bad field and why, echoing at most a short bad value.
    """
    assert isinstance(exc, RequestValidationError)
    detail = [_clean(error) for error in exc.errors()]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": detail}
    )


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    cleaned = {
        "type": error["type"],
        "loc": list(error["loc"]),
        "msg": str(error["msg"]).removeprefix("Value error, "),
    }
    if error["type"] == "extra_forbidden" and tuple(error["loc"][:1]) == ("query",):
        cleaned["msg"] = UNKNOWN_QUERY
    if "input" in error and _is_scalar(error["input"]):
        cleaned["input"] = _echo(error["input"])
    return cleaned


def _is_scalar(value: Any) -> bool:
    # A whole body or list is not echoed: the loc already says where the problem is.
    return value is None or isinstance(value, str | int | float | bool)


def _echo(value: Any) -> Any:
    # JSON has no NaN, no Infinity and no lone surrogates; huge values stay home.
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return text if len(text) <= MAX_ECHO else f"{text[:MAX_ECHO]}..."
    return value
