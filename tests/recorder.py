"""
A stand-in for somebody else's callback receiver: records requests, answers as told.
"""

from collections import deque
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response


@dataclass
class Received:
    """
    One request as it arrived.
    """

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """
    The requests seen so far, and the statuses to answer the next ones with (then 200).
    """

    requests: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    redirect_to: str = "http://127.0.0.1:9/elsewhere"


def recorder_app(recorder: Recorder) -> FastAPI:
    """
    An app that records every POST under any path.
    """
    app = FastAPI()

    @app.post("/{path:path}")
    async def record(path: str, request: Request) -> Response:
        body = await request.body()
        recorder.requests.append(Received(f"/{path}", dict(request.headers), body))
        code = recorder.statuses.popleft() if recorder.statuses else 200
        headers = {"location": recorder.redirect_to} if 300 <= code < 400 else None
        return Response(b'{"ok": true}', code, headers, "application/json")

    return app
