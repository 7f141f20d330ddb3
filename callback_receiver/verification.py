"""
Standard Webhooks signature check over the raw body bytes of a callback.

The check is done here rather than by the reference library's `verify`, which takes
text (so a signed body that is not UTF-8 could not even be checked), has a fixed
5-minute tolerance, one secret, and lets some malformed headers escape as other errors.
"""

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# Whole seconds since the epoch, as the scheme sends them; anything else is malformed.
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,15}")
# Printable ASCII without spaces, so an id can neither flood nor split a log line.
WEBHOOK_ID_PATTERN = re.compile(r"[!-~]{1,256}")
SECRET_PREFIX = "whsec_"


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
    The headers of a callback whose signature checked out.
    """

    webhook_id: str
    webhook_timestamp: int
    signature: str


class SignatureVerifier:
    """
    Check callbacks against any of several secrets (more than one while rotating).
    """

    def __init__(self, secrets: Sequence[str], tolerance: float) -> None:
        self._keys = [base64.b64decode(s.removeprefix(SECRET_PREFIX)) for s in secrets]
        self._tolerance = tolerance

    def verify(
        self, body: bytes, headers: Mapping[str, str], now: float | None = None
    ) -> SignedCallback:
        """
        Return the verified headers, or raise `SignatureError` naming the reason.
        """
        found = {name: _require(headers, name) for name in REQUIRED_HEADERS}
        _check_formats(found)
        timestamp = int(found["webhook-timestamp"])
        self._check_age(timestamp, time.time() if now is None else now)

        signed = f"{found['webhook-id']}.{found['webhook-timestamp']}.".encode() + body
        self._check_signature(signed, _v1_signatures(found["webhook-signature"]))

        return SignedCallback(
            found["webhook-id"], timestamp, found["webhook-signature"]
        )

    def _check_age(self, timestamp: int, now: float) -> None:
        if timestamp < now - self._tolerance:
            raise SignatureError("timestamp too old")
        if timestamp > now + self._tolerance:
            raise SignatureError("timestamp too new")

    def _check_signature(self, signed: bytes, signatures: list[bytes]) -> None:
        for key in self._keys:
            expected = hmac.new(key, signed, hashlib.sha256).digest()
            if any(hmac.compare_digest(expected, given) for given in signatures):
                return
        raise SignatureError("no matching signature")


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


def _v1_signatures(header: str) -> list[bytes]:
    # Space-separated "version,base64"; other versions (v1a ...) are not ours to check.
    found = []
    for entry in header.split(" "):
        version, comma, encoded = entry.partition(",")
        if version != "v1" or not comma:
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except ValueError:  # bad base64, or not even ASCII
            continue

    if not found:
        raise SignatureError("malformed webhook-signature header: no v1 signature")
    return found
