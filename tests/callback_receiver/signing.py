"""
Signed callbacks for tests, made with the reference `standardwebhooks` library.
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

SECRET = "whsec_dGVzdCBzZWNyZXQgb2YgdGhlIGNhbGxiYWNrIHJlY2VpdmVy"
OTHER_SECRET = "whsec_YW5vdGhlciBzZWNyZXQsIG5vdCB0aGUgcmVjZWl2ZXIncw=="


def event_body(description: str = "Invoice 42", paid: bool = True) -> str:
    """
    Return a callback body as the invoice API would serialise it.
    """
    return json.dumps({"description": description, "paid": paid}, ensure_ascii=False)


def signed_headers(
    body: str,
    webhook_id: str = "msg_1",
    secret: str = SECRET,
    at: datetime | None = None,
) -> dict[str, str]:
    """
    Return the three Standard Webhooks headers for `body`.
    """
    at = at or datetime.now(tz=UTC)
    signature = Webhook(secret).sign(webhook_id, at, body)

    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def post_callback(
    client: httpx.Client,
    invoice_id: str,
    body: str,
    webhook_id: str = "msg_1",
    secret: str = SECRET,
) -> httpx.Response:
    """
    POST a correctly signed callback for `invoice_id` to the receiver.
    """
    headers = signed_headers(body, webhook_id, secret)
    return client.post(
        f"/callback/invoices/{invoice_id}",
        content=body.encode("utf-8"),
        headers=headers,
    )


def hmac_headers(body: bytes, webhook_id: str = "msg_raw") -> dict[str, str]:
    """
    Headers signed over raw bytes by the scheme's formula (the library takes text).
    """
    timestamp = str(int(datetime.now(tz=UTC).timestamp()))
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()

    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "content-type": "application/json",
    }
