"""
Standard Webhooks signature check over the raw body bytes of a callback.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from standardwebhooks import Webhook, WebhookVerificationError

REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# Whole seconds since the epoch, as the scheme sends them; anything else is malformed.
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,15}")
# Printable ASCII without spaces, so an id can neither flood nor split a log line.
WEBHOOK_ID_PATTERN = re.compile(r"[!-~]{1,256}")
# The library's messages, reworded as the reasons we answer with.
LIBRARY_REASONS = {
    "Message timestamp too old": "timestamp too old",
    "Message timestamp too new": "timestamp too new",
    "No matching signature found": "no matching signature",
    "Invalid Signature Headers": "invalid webhook-timestamp header",
}


class SignatureError(Exception):
    """
    A callback failed verification; the message is the reason.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedCallback:
    """
    A callback whose signature checked out, with its body decoded as UTF-8.
    """

    webhook_id: str
    webhook_timestamp: int
    signature: str
    text: str


class SignatureVerifier:
    """
    Check callbacks against one webhook secret.
    """

    def __init__(self, secret: str) -> None:
        self._webhook = Webhook(secret)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> SignedCallback:
        """
        Return the verified callback, or raise `SignatureError` naming the reason.
        """
        found = {name: _require(headers, name) for name in REQUIRED_HEADERS}
        _check_formats(found)

        text = _decode(body)
        self._check(text, found)

        return SignedCallback(
            webhook_id=found["webhook-id"],
            webhook_timestamp=int(found["webhook-timestamp"]),
            signature=found["webhook-signature"],
            text=text,
        )

    def _check(self, text: str, headers: dict[str, str]) -> None:
        try:
            self._webhook.verify(text, headers, json_parse=False)
        except WebhookVerificationError as exc:
            reason = LIBRARY_REASONS.get(str(exc), f"signature rejected: {exc}")
            raise SignatureError(reason) from exc
        except ValueError as exc:
            # A part without a comma, or bad base64: the library leaks these as is.
            raise SignatureError("malformed webhook-signature header") from exc


def _require(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise SignatureError(f"missing {name} header")
    return value


def _check_formats(headers: dict[str, str]) -> None:
    if not WEBHOOK_ID_PATTERN.fullmatch(headers["webhook-id"]):
        raise SignatureError("malformed webhook-id header")

    timestamp = headers["webhook-timestamp"]
    if not TIMESTAMP_PATTERN.fullmatch(timestamp):
        raise SignatureError(f"invalid webhook-timestamp header {timestamp!r:.40}")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SignatureError(f"body is not UTF-8 (byte {exc.start})") from exc
