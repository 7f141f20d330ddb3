"""
The client's side of the round trip: calls to the two servers, and what their answers
say. Anything wrong becomes a `RoundTripError` with the script's exit code.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

REFUSED, BAD_OPTIONS, UNREACHABLE, TIMED_OUT, UNEXPECTED = 1, 2, 3, 4, 5
# Answers to an invoice that a wrong URL gives, rather than the API's refusal.
NOT_THE_API = {404, 405}
API, RECEIVER = ("--api", "the invoice API"), ("--receiver", "the callback receiver")
Step = tuple[str, float, str]


class RoundTripError(Exception):
    """
    The round trip stopped; carries the exit code and what to tell the user.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def post_invoice(
    client: httpx.Client, api: str, invoice: dict[str, str], callback_url: str
) -> str:
    """
    POST the invoice; return its callback's webhook id or raise RoundTripError.
    """
    params = {"callback_url": callback_url}
    response = call(client.post, f"{api}/invoices/", params=params, json=invoice)

    status = response.status_code
    if 400 <= status < 500 and status not in NOT_THE_API:
        raise RoundTripError(
            REFUSED, f"the API refused the invoice: HTTP {status} {response.text}"
        )
    try:
        return str(_answer(response, 202, API)["callback"]["webhook_id"])
    except (KeyError, TypeError) as exc:
        raise _unexpected(response, API) from exc


def read_invoice(client: httpx.Client, api: str, invoice_id: str) -> dict[str, Any]:
    """
    The invoice as the API shows it, with its callback's delivery.
    """
    return _answer(call(client.get, f"{api}/invoices/{invoice_id}"), 200, API)


def read_events(client: httpx.Client, receiver: str, invoice_id: str) -> list[Any]:
    """
    The events the receiver holds for one invoice.
    """
    params = {"invoice_id": invoice_id}
    response = call(client.get, f"{receiver}/events", params=params)

    events = _answer(response, 200, RECEIVER).get("events")
    if not isinstance(events, list):
        raise _unexpected(response, RECEIVER)
    return events


def steps(view: dict[str, Any], events: list[Any], webhook_id: str) -> list[Step]:
    """
    The steps both servers have seen (paid, delivered, verified), each with when.
    """
    try:
        return [*_api_steps(view), *_receiver_steps(events, webhook_id)]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RoundTripError(
            UNEXPECTED, f"a server answered in a shape the kit's never do ({exc!r})"
        ) from exc


def call(
    method: Callable[..., httpx.Response], url: str, **kwargs: Any
) -> httpx.Response:
    """
    Make one request; a server that cannot be reached is a RoundTripError.
    """
    try:
        return method(url, **kwargs)
    except httpx.TransportError as exc:
        raise RoundTripError(
            UNREACHABLE,
            f"cannot reach {url}: {str(exc).rstrip('.') or type(exc).__name__}. "
            "Are the servers running (uv run honcho start)?",
        ) from exc


def _api_steps(view: dict[str, Any]) -> list[Step]:
    callback = view.get("callback") or {}
    found = []
    if view.get("status") == "paid":
        found.append(("paid", _epoch(view["paid_at"]), "the API collected payment"))
    if callback.get("status") == "delivered":
        last = callback["attempts"][-1]
        answered = _epoch(last["started_at"]) + last["duration_ms"] / 1000
        detail = f"attempt {last['number']} answered HTTP {last['status_code']}"
        found.append(("delivered", answered, detail))
    return found


def _receiver_steps(events: list[Any], webhook_id: str) -> list[Step]:
    detail = "the receiver holds the event; signature verified"
    return [
        ("verified", _epoch(event["received_at"]), detail)
        for event in events
        if event["webhook_id"] == webhook_id and event["verified"]
    ]


def _epoch(moment: str) -> float:
    return datetime.fromisoformat(moment).timestamp()


def _answer(
    response: httpx.Response, status: int, server: tuple[str, str]
) -> dict[str, Any]:
    # The JSON object a kit server answers with `status`, or RoundTripError.
    try:
        answer = response.json() if response.status_code == status else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise _unexpected(response, server)
    return answer


def _unexpected(response: httpx.Response, server: tuple[str, str]) -> RoundTripError:
    option, name = server
    excerpt = " ".join(response.text.split())[:200]
    return RoundTripError(
        UNEXPECTED,
        f"unexpected answer from {response.request.url}: HTTP "
        f"{response.status_code} {excerpt}; is {option} the URL of {name}?",
    )
