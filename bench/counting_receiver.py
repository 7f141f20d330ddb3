"""
A counting callback receiver: notes when each invoice's callback was acknowledged.

`python -m bench.counting_receiver --port PORT [--delay SECONDS]`. Any POST is a
callback for the invoice named by the last path segment; it is answered 200 after
`delay` seconds. `GET /stats` counts requests and distinct invoices, `GET /arrivals`
maps each invoice id to the time of its first acknowledgement, `DELETE /stats`
forgets everything, `PUT /delay?seconds=S` changes the delay. A plain ASGI app, so
the receiver costs as little CPU as it can.
"""

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

OK_BODY = b'{"ok": true}'


class CountingReceiver:
    """
    The ASGI app: counts callbacks, answers after a fixed delay.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.requests = 0
        self.acknowledged: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        await _drain(receive)

        if method == "POST":
            await self._count(path, send)
        elif method == "GET" and path == "/stats":
            await _answer(send, 200, json.dumps(self.stats()).encode())
        elif method == "GET" and path == "/arrivals":
            await _answer(send, 200, json.dumps(self.acknowledged).encode())
        elif method == "DELETE" and path == "/stats":
            self.requests, self.acknowledged = 0, {}
            await _answer(send, 200, OK_BODY)
        elif method == "PUT" and path == "/delay":
            query = parse_qs(scope["query_string"].decode("ascii"))
            self.delay = float(query["seconds"][0])
            await _answer(send, 200, OK_BODY)
        else:
            await _answer(send, 404, b'{"detail": "Not Found"}')

    def stats(self) -> dict[str, int]:
        """
        Requests and distinct invoices acknowledged so far.
        """
        return {"requests": self.requests, "distinct": len(self.acknowledged)}

    async def _count(self, path: str, send: Send) -> None:
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)

        invoice_id = path.rstrip("/").rsplit("/", 1)[-1]
        self.acknowledged.setdefault(invoice_id, time.time())
        await _answer(send, 200, OK_BODY)


async def _drain(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    """
    Serve the receiver on 127.0.0.1 until stopped.
    """
    parser = argparse.ArgumentParser(description="A counting callback receiver.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()

    app = CountingReceiver(args.delay)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
