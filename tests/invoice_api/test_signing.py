"""
Tests of the Standard Webhooks signer.
"""

from datetime import UTC, datetime

from standardwebhooks import Webhook

from invoice_api.signing import Signer

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_headers_match_standard_vector() -> None:
    """The signer reproduces the Standard Webhooks test vector exactly."""
    headers = Signer([VECTOR_SECRET]).headers(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)

    assert headers["webhook-signature"] == VECTOR_SIGNATURE
    assert headers["webhook-id"] == VECTOR_ID
    assert headers["webhook-timestamp"] == str(VECTOR_TIMESTAMP)
    assert headers["content-type"] == "application/json"


def test_sign_headers_verify_with_reference_library() -> None:
    """A signature over a Japanese UTF-8 body verifies with the reference verifier."""
    body = '{"description": "山田花子 様", "paid": true}'.encode()
    timestamp = int(datetime.now(tz=UTC).timestamp())

    headers = Signer([VECTOR_SECRET]).headers("msg_1", timestamp, body)

    assert Webhook(VECTOR_SECRET).verify(body, headers) == {
        "description": "山田花子 様",
        "paid": True,
    }


def test_sign_headers_with_two_secrets() -> None:
    """With two secrets the header carries two signatures, each valid alone."""
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    timestamp = int(datetime.now(tz=UTC).timestamp())

    headers = Signer([VECTOR_SECRET, other]).headers("msg_2", timestamp, b"{}")

    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (VECTOR_SECRET, other):
        assert Webhook(secret).verify(b"{}", headers) == {}
