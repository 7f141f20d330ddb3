"""
Send one invoice to the invoice API, then follow its callback to the receiver.

    uv run python scripts/send_invoice.py [--id ID] [--customer NAME] [--total N] ...

Prints a timeline (accepted, paid, delivered, verified) and exits 0 once the receiver
holds the verified callback and the API has recorded its delivery; 1 if the API refuses
the invoice, 2 for bad options, 3 if a server cannot be reached, 4 if no callback
arrives in time.
"""

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

REFUSED, UNREACHABLE, TIMED_OUT = 1, 3, 4
POLL_INTERVAL = 0.1


class RoundTripError(Exception):
    """
    The round trip stopped; carries the exit code and what to tell the user.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """
    Read the command line; every default suits `uv run honcho start`.
    """
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--api", type=_base_url, default="http://127.0.0.1:8000", help="API base URL")
    add(
        "--receiver",
        type=_base_url,
        default="http://127.0.0.1:8001",
        help="receiver base URL, read to follow the callback",
    )
    add(
        "--callback-url",
        default="http://127.0.0.1:8001/callback",
        help="where the API calls back (the receiver's /callback)",
    )
    add("--id", default=f"inv-{uuid.uuid4().hex[:12]}", help="invoice id")
    add("--customer", default="山田花子", help="customer name")
    add("--title", default="請求書 第1号", help="invoice title; empty for none")
    add("--total", default="12500", help="amount, such as 12500 or 19.99")
    add(
        "--timeout",
        type=_seconds,
        default=30.0,
        help="seconds to wait for the callback",
    )
    return parser.parse_args(argv)


def _base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/")


def _seconds(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(
            f"{value} must be more than 0 and at most 3600 seconds"
        )
    return seconds


def send(client: httpx.Client, args: argparse.Namespace) -> dict[str, Any]:
    """
    POST the invoice; return the API's answer or raise RoundTripError.
    """
    invoice = {"id": args.id, "customer": args.customer, "total": args.total}
    if args.title:
        invoice["title"] = args.title
    response = _call(
        client.post,
        f"{args.api}/invoices/",
        params={"callback_url": args.callback_url},
        json=invoice,
    )

    if response.status_code != 202:
        raise RoundTripError(
            REFUSED,
            f"the API refused the invoice: HTTP {response.status_code} {response.text}",
        )
    answer: dict[str, Any] = response.json()
    return answer


def follow(
    client: httpx.Client, args: argparse.Namespace, webhook_id: str, sent_at: float
) -> None:
    """
    Poll the API and the receiver until the event arrives; print each step once,
    timed by the server that saw it, in milliseconds since the invoice was sent.
    """
    seen: set[str] = set()
    view: dict[str, Any] = {}
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        view = _call(client.get, f"{args.api}/invoices/{args.id}").json()
        events = _call(
            client.get, f"{args.receiver}/events", params={"invoice_id": args.id}
        ).json()["events"]

        for step, at, detail in _steps(view, events, webhook_id):
            if step not in seen:
                seen.add(step)
                _print_step(step, at - sent_at, detail)
        if {"delivered", "verified"} <= seen:
            return
        time.sleep(POLL_INTERVAL)

    raise RoundTripError(TIMED_OUT, _timeout_message(args, view))


def _steps(
    view: dict[str, Any], events: list[dict[str, Any]], webhook_id: str
) -> list[tuple[str, float, str]]:
    callback = view.get("callback") or {}
    steps = []
    if view.get("status") == "paid":
        steps.append(("paid", _epoch(view["paid_at"]), "the API collected payment"))
    if callback.get("status") == "delivered":
        last = callback["attempts"][-1]
        answered = _epoch(last["started_at"]) + last["duration_ms"] / 1000
        detail = f"attempt {last['number']} answered HTTP {last['status_code']}"
        steps.append(("delivered", answered, detail))
    for event in events:
        if event["webhook_id"] == webhook_id and event["verified"]:
            detail = "the receiver holds the event; signature verified"
            steps.append(("verified", _epoch(event["received_at"]), detail))
    return steps


def _epoch(moment: str) -> float:
    return datetime.fromisoformat(moment).timestamp()


def _call(
    method: Callable[..., httpx.Response], url: str, **kwargs: Any
) -> httpx.Response:
    try:
        return method(url, **kwargs)
    except httpx.TransportError as exc:
        raise RoundTripError(
            UNREACHABLE,
            f"cannot reach {url}: {str(exc).rstrip('.') or type(exc).__name__}. "
            "Are the servers running (uv run honcho start)?",
        ) from exc


def _print_step(step: str, elapsed: float, detail: str) -> None:
    print(f"{elapsed * 1000:8.0f} ms  {step:<10} {detail}", flush=True)


def _timeout_message(args: argparse.Namespace, view: dict[str, Any]) -> str:
    callback = view.get("callback") or {}
    attempts = callback.get("attempts") or [{}]
    last = attempts[-1]
    outcome = last.get("status_code") or last.get("error") or "no attempt yet"
    return (
        f"no verified callback for {args.id} within {args.timeout:.0f} s: "
        f"delivery status={callback.get('status')}, last attempt: {outcome}"
    )


def main(argv: list[str] | None = None) -> int:
    """
    Send, follow, and turn any failure into one clear line and an exit code.
    """
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    args = parse_args(argv)
    try:
        with httpx.Client(timeout=10.0) as client:
            sent_at = time.time()
            webhook_id = send(client, args)["callback"]["webhook_id"]
            detail = f"invoice={args.id} webhook-id={webhook_id}"
            _print_step("accepted", time.time() - sent_at, detail)
            follow(client, args, webhook_id, sent_at)
    except RoundTripError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    print(f"round trip complete for {args.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
