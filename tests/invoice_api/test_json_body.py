"""
Tests of how the API reads a request body: strict JSON, on a real server.
"""

from typing import Any

import httpx
import pytest

from invoice_api.json_body import NOT_JSON_TYPE

INVOICE = b'{"id": "inv-1", "customer": "\xe5\xb1\xb1\xe7\x94\xb0", "total": 1}'
JSON = {"content-type": "application/json"}


def post_raw(api: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """
    POST raw bytes to `/invoices/` with exactly the headers given.
    """
    return httpx.post(f"{api}/invoices/", content=body, headers=headers)


def only_error(response: httpx.Response) -> dict[str, Any]:
    """
    The single error of a 422 answer.
    """
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    return dict(error)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"content-type": "text/plain"}, id="text-plain"),
        pytest.param({"content-type": "application/x-www-form-urlencoded"}, id="form"),
    ],
)
def test_create_invoice_refuses_body_not_sent_as_json(
    api: str, headers: dict[str, str]
) -> None:
    """A JSON body without Content-Type: application/json gets a 422 that says so."""
    error = only_error(post_raw(api, INVOICE, headers))

    assert error["loc"] == ["header", "content-type"]
    assert error["msg"] == NOT_JSON_TYPE


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("application/json; charset=utf-8", id="charset"),
        pytest.param("Application/JSON", id="capitals"),
        pytest.param("application/merge-patch+json", id="plus-json"),
    ],
)
def test_create_invoice_accepts_json_content_types(api: str, content_type: str) -> None:
    """Every spelling of a JSON media type is taken."""
    response = post_raw(api, INVOICE, {"content-type": content_type})

    assert response.status_code == 202, response.text


def test_create_invoice_names_key_given_twice(api: str) -> None:
    """A key given twice is a 422 naming it, whichever value would have won."""
    body = b'{"id": "inv-1", "customer": "a", "customer": "b", "total": 1}'

    error = only_error(post_raw(api, body, JSON))

    assert error["loc"] == ["body", "customer"]
    assert error["msg"] == (
        "the key 'customer' is given more than once; send each key once"
    )


def test_create_invoice_names_exponent_number(api: str) -> None:
    """A total written with an exponent is refused with the plain form to use."""
    body = b'{"id": "inv-1", "customer": "a", "total": 1E1}'

    error = only_error(post_raw(api, body, JSON))

    assert error["loc"] == ["body", "total"]
    assert error["msg"].startswith("1E1 is written with an exponent")


def test_create_invoice_reads_numbers_exactly(api: str) -> None:
    """A number with more digits than a float keeps is refused, not rounded."""
    body = b'{"id": "inv-1", "customer": "a", "total": 1.0000000000000000001}'

    error = only_error(post_raw(api, body, JSON))

    assert error["loc"] == ["body", "total"]
    assert "digits" in error["msg"]


def test_create_invoice_names_byte_that_is_not_utf8(api: str) -> None:
    """A Shift_JIS body is a 422 naming the first byte that is not UTF-8."""
    body = '{"id": "inv-1", "customer": "山田", "total": 1}'.encode("cp932")

    error = only_error(post_raw(api, body, JSON))

    assert error["loc"] == ["body", 29]
    assert error["msg"] == "the body is not UTF-8: byte 0x8e at 29"


def test_create_invoice_accepts_utf8_byte_order_mark(api: str) -> None:
    """A UTF-8 body that starts with a byte order mark is read as before."""
    response = post_raw(api, b"\xef\xbb\xbf" + INVOICE, JSON)

    assert response.status_code == 202, response.text


def test_create_invoice_names_broken_json_position(api: str) -> None:
    """JSON that does not parse is a 422 with the line and column."""
    error = only_error(post_raw(api, b'{"id": "inv-1",\n  "total": }', JSON))

    assert error["loc"] == ["body", 27]
    assert error["msg"] == "the body is not JSON: Expecting value at line 2 column 12"
