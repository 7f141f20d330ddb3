"""
Send one invoice to the invoice API, then follow its callback to the receiver.

    uv run python scripts/send_invoice.py [--id ID] [--customer NAME] [--total N] ...

Prints a timeline (accepted, paid, delivered, verified) and exits 0 once the receiver
holds the verified callback and the API has recorded its delivery; 1 if the API refuses
the invoice, 2 for bad options (or a `.env` it cannot read), 3 if a server cannot be
reached, 4 if no callback arrives in time, 5 if a server answers what the kit's
servers never would (is --api or --receiver the other server's URL?).

The default URLs use the ports the servers use: INVOICE_API_PORT and
CALLBACK_RECEIVER_PORT from the environment or the project's `.env` (the one beside
`scripts/`, from whichever folder this runs), else 8000 and 8001.
"""

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

# Run as a file, Python puts scripts/ on the path but not the project; add it.
sys.path.insert(1, str(Path(__file__).absolute().parent.parent))
from kit_process.demo_ports import (  # noqa: E402
    DemoPorts,
    DemoPortsError,
    project_env_file,
    read_demo_ports,
)
from scripts.round_trip import (  # noqa: E402
    BAD_OPTIONS,
    TIMED_OUT,
    RoundTripError,
    post_invoice,
    read_events,
    read_invoice,
    steps,
)

POLL_INTERVAL = 0.1
ENV_FILE = project_env_file(__file__)


def parse_args(
    argv: list[str] | None = None, ports: DemoPorts | None = None
) -> argparse.Namespace:
    """
    Read the command line; every default suits `uv run honcho start` on `ports`.
    """
    ports = ports or DemoPorts(_env_file=None)
    api = f"http://127.0.0.1:{ports.invoice_api_port}"
    receiver = f"http://127.0.0.1:{ports.callback_receiver_port}"
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--api", type=_base_url, default=api, help="API base URL")
    add(
        "--receiver",
        type=_base_url,
        default=receiver,
        help="receiver base URL, read to follow the callback",
    )
    add(
        "--callback-url",
        default=f"{receiver}/callback",
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


def send(client: httpx.Client, args: argparse.Namespace) -> str:
    """
    POST the invoice; return its callback's webhook id or raise RoundTripError.
    """
    invoice = {"id": args.id, "customer": args.customer, "total": args.total}
    if args.title:
        invoice["title"] = args.title
    return post_invoice(client, args.api, invoice, args.callback_url)


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
        view = read_invoice(client, args.api, args.id)
        events = read_events(client, args.receiver, args.id)

        for step, at, detail in steps(view, events, webhook_id):
            if step not in seen:
                seen.add(step)
                _print_step(step, at - sent_at, detail)
        if {"delivered", "verified"} <= seen:
            return
        time.sleep(POLL_INTERVAL)

    raise RoundTripError(TIMED_OUT, _timeout_message(args, view))


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
    try:
        ports = read_demo_ports(ENV_FILE)
    except DemoPortsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_OPTIONS
    args = parse_args(argv, ports)
    try:
        with httpx.Client(timeout=10.0) as client:
            sent_at = time.time()
            webhook_id = send(client, args)
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
