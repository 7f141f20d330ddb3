"""
The signing test vectors, checked against our signer, our verifier and the reference.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import standardwebhooks.webhooks
from standardwebhooks import Webhook, WebhookVerificationError

from callback_receiver.verification import SignatureError, SignatureVerifier
from invoice_api.signing import Signer
from tests.servers import ROOT

VECTORS = json.loads((ROOT / "tests" / "signing_vectors.json").read_text("utf-8"))
CASES = [pytest.param(vector, id=vector["name"]) for vector in VECTORS["vectors"]]


def headers_of(vector: dict[str, Any]) -> dict[str, str]:
    """
    The three headers a vector describes.
    """
    return {
        "webhook-id": vector["webhook_id"],
        "webhook-timestamp": str(vector["timestamp"]),
        "webhook-signature": vector["signature"],
    }


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """
    Set the reference library's clock, so that it accepts a vector's old timestamp.
    """

    def freeze(timestamp: int) -> None:
        moment = datetime.fromtimestamp(timestamp, tz=UTC)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> "Frozen":
                return cls.fromtimestamp(moment.timestamp(), tz=tz)

        monkeypatch.setattr(standardwebhooks.webhooks, "datetime", Frozen)

    return freeze


@pytest.mark.parametrize("vector", CASES)
def test_sign_vector_with_our_signer(vector: dict[str, Any]) -> None:
    """Our signer gives the vector's webhook-signature exactly."""
    signer = Signer(vector["secrets"])

    headers = signer.headers(
        vector["webhook_id"], vector["timestamp"], vector["body"].encode()
    )

    assert headers["webhook-signature"] == vector["signature"]


@pytest.mark.parametrize("vector", CASES)
def test_verify_vector_with_reference(
    vector: dict[str, Any], frozen_clock: Any
) -> None:
    """The reference verifier accepts the vector with each of its secrets."""
    frozen_clock(vector["timestamp"])

    for secret in vector["secrets"]:
        Webhook(secret).verify(vector["body"], headers_of(vector), json_parse=False)

    tampered = vector["body"].replace("}", " }", 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(vector["secrets"][0]).verify(tampered, headers_of(vector))


@pytest.mark.parametrize("vector", CASES)
def test_verify_vector_with_our_receiver(vector: dict[str, Any]) -> None:
    """Our receiver's verifier accepts the vector, and refuses one changed byte."""
    verifier = SignatureVerifier(vector["secrets"][-1:], tolerance=300)
    body = vector["body"].encode()

    signed = verifier.verify(body, headers_of(vector), now=vector["timestamp"])

    assert signed.webhook_id == vector["webhook_id"]
    with pytest.raises(SignatureError, match="no matching signature"):
        verifier.verify(body + b" ", headers_of(vector), now=vector["timestamp"])
