"""
A stand-in for somebody else's callback receiver: records requests, answers as told.

Also runs as a process for soak tests: `python -m tests.recorder PORT FAIL_EVERY`.
"""

import asyncio
import sys
from collections import deque
from dataclasses import dataclass, field

import uvicorn
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
    The requests seen so far, and how to answer the next ones (200 unless told).
    """

    requests: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    redirect_to: str = "http://127.0.0.1:9/elsewhere"
    retry_after: str | None = None
    delay: float = 0.0
    fail_every: int = 0
    answer_size: int = 0

    def next_status(self) -> int:
        """
        The status for the request just recorded.
        """
        if self.statuses:
            return self.statuses.popleft()
        if self.fail_every and len(self.requests) % self.fail_every == 0:
            return 500
        return 200


def recorder_app(recorder: Recorder) -> FastAPI:
    """
    An app that records every POST under any path; GET /stats counts them.
    """
    app = FastAPI()

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        ids = {request.headers.get("webhook-id") for request in recorder.requests}
        return {"requests": len(recorder.requests), "distinct": len(ids)}

    @app.post("/{path:path}")
    async def record(path: str, request: Request) -> Response:
        body = await request.body()
        recorder.requests.append(Received(f"/{path}", dict(request.headers), body))
        code = recorder.next_status()
        await asyncio.sleep(recorder.delay)
        return Response(_body(recorder), code, _headers(recorder, code))

    return app


def _body(recorder: Recorder) -> bytes:
    return b"x" * recorder.answer_size if recorder.answer_size else b'{"ok": true}'


def _headers(recorder: Recorder, code: int) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    if 300 <= code < 400:
        headers["location"] = recorder.redirect_to
    if code in (429, 503) and recorder.retry_after is not None:
        headers["retry-after"] = recorder.retry_after
    return headers


if __name__ == "__main__":
    port, fail_every = int(sys.argv[1]), int(sys.argv[2])
    app = recorder_app(Recorder(fail_every=fail_every))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
