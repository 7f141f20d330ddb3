"""
Standard Webhooks headers over the exact bytes the API sends.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

CONTENT_TYPE = "application/json"


class Signer:
    """
    Signs callback bodies with one or more `whsec_` secrets (several while rotating).
    """

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is needed")
        self._webhooks = [Webhook(secret) for secret in secrets]

    def headers(self, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
        """
        Return the headers for one attempt: id, timestamp, signatures, content type.
        """
        moment = datetime.fromtimestamp(timestamp, tz=UTC)
        text = body.decode("utf-8")
        signatures = [hook.sign(webhook_id, moment, text) for hook in self._webhooks]

        return {
            "content-type": CONTENT_TYPE,
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(signatures),
        }
