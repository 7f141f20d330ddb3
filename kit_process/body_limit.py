"""
A request body over the limit answered with a JSON 413, like every other refusal.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    """
    A body grew past the limit while the app read it; answered as a JSON 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=too_large(limit))


class BodyLimit:
    """
    Refuse a body over `limit` bytes: at once when Content-Length says so, else as
    soon as the bytes read pass the limit.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """
        Pass the request on with a receive that counts; answer 413 when it is over.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.limit:
            response = JSONResponse({"detail": too_large(self.limit)}, status_code=413)
            await response(scope, receive, send)
            return

        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                # An HTTPException, so the app's own handler answers it, as JSON.
                raise BodyTooLargeError(self.limit)
            return message

        await self.app(scope, receive_counted, send)


def too_large(limit: int) -> str:
    """
    The 413's detail: the limit, in KiB and in bytes.
    """
    return f"the body is larger than {limit // 1024} KiB ({limit} bytes)"


def _declared_length(scope: Scope) -> int:
    try:
        return int(Headers(scope=scope).get("content-length", "0"))
    except ValueError:
        return 0
