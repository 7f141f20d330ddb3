"""
Tests of the JSON 413, on a real server in front of a small app.
"""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request

from kit_process.body_limit import BodyLimit
from tests.servers import serve

LIMIT = 1024
TOO_LARGE = {"detail": "the body is larger than 1 KiB (1024 bytes)"}


@pytest.fixture
def echo() -> Iterator[str]:
    """
    An app that answers with the length of the body it read, behind a 1 KiB limit.
    """
    app = FastAPI()
    app.add_middleware(BodyLimit, limit=LIMIT)

    @app.post("/echo")
    async def echo_length(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    with serve(app) as url:
        yield url


def test_body_limit_refuses_declared_length_in_json(echo: str) -> None:
    """A Content-Length over the limit gets a JSON 413 before the app reads."""
    response = httpx.post(f"{echo}/echo", content=b"x" * (LIMIT + 1))

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json() == TOO_LARGE


def test_body_limit_refuses_chunked_body_in_json(echo: str) -> None:
    """A chunked body is refused in JSON as soon as it passes the limit."""
    chunks = iter([b"x" * 1000, b"x" * 1000])

    response = httpx.post(f"{echo}/echo", content=chunks)

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_body_limit_passes_body_at_limit(echo: str) -> None:
    """A body of exactly the limit reaches the app whole."""
    response = httpx.post(f"{echo}/echo", content=b"x" * LIMIT)

    assert response.json() == {"length": LIMIT}
