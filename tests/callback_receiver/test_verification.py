"""
Tests of the signature check over raw body bytes.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from callback_receiver.verification import SignatureError, SignatureVerifier
from tests.callback_receiver.signing import (
    OTHER_SECRET,
    SECRET,
    event_body,
    hmac_headers,
    signed_headers,
)

BODY = event_body("山田花子様 請求書 42")
Request = tuple[bytes, dict[str, str]]


def _without(name: str) -> Callable[[], Request]:
    def make() -> Request:
        headers = signed_headers(BODY)
        del headers[name]
        return BODY.encode(), headers

    return make


def _with_header(name: str, value: str) -> Callable[[], Request]:
    def make() -> Request:
        return BODY.encode(), {**signed_headers(BODY), name: value}

    return make


def _signed_at(shift: timedelta) -> Callable[[], Request]:
    def make() -> Request:
        return BODY.encode(), signed_headers(BODY, at=datetime.now(UTC) + shift)

    return make


def _other_bytes() -> Request:
    return BODY.encode(), signed_headers(event_body(paid=False))


def _other_secret() -> Request:
    return BODY.encode(), signed_headers(BODY, secret=OTHER_SECRET)


def _with_id(webhook_id: str) -> Callable[[], Request]:
    def make() -> Request:
        return BODY.encode(), signed_headers(BODY, webhook_id=webhook_id)

    return make


def _not_utf8() -> Request:
    return "請求書".encode("shift_jis"), signed_headers(BODY)


VERIFIER = SignatureVerifier([SECRET], tolerance=300)

REJECTIONS = [
    pytest.param(_without("webhook-id"), "missing webhook-id header", id="no-id"),
    pytest.param(
        _without("webhook-timestamp"),
        "missing webhook-timestamp header",
        id="no-timestamp",
    ),
    pytest.param(
        _without("webhook-signature"),
        "missing webhook-signature header",
        id="no-signature",
    ),
    pytest.param(_other_bytes, "no matching signature", id="other-bytes"),
    pytest.param(_other_secret, "no matching signature", id="wrong-secret"),
    pytest.param(_signed_at(-timedelta(minutes=10)), "timestamp too old", id="old"),
    pytest.param(_signed_at(timedelta(minutes=10)), "timestamp too new", id="future"),
    pytest.param(
        _with_header("webhook-timestamp", "soon"),
        "invalid webhook-timestamp header 'soon'",
        id="timestamp-not-a-number",
    ),
    pytest.param(
        _with_header("webhook-timestamp", "1.7e9"),
        "invalid webhook-timestamp header '1.7e9'",
        id="timestamp-not-whole-seconds",
    ),
    pytest.param(
        _with_header("webhook-signature", "v1" + "A" * 44),
        "malformed webhook-signature header: no v1 signature",
        id="signature-without-comma",
    ),
    pytest.param(
        _with_header("webhook-signature", "v1,abc"),
        "malformed webhook-signature header: no v1 signature",
        id="signature-bad-base64",
    ),
    pytest.param(
        _with_header("webhook-signature", "v1,$$$$"),
        "malformed webhook-signature header: no v1 signature",
        id="signature-garbage",
    ),
    pytest.param(
        _with_header("webhook-signature", "v1,é="),
        "malformed webhook-signature header: no v1 signature",
        id="signature-not-ascii",
    ),
    pytest.param(_not_utf8, "no matching signature", id="body-not-utf8-unsigned"),
    pytest.param(_with_id("m" * 257), "malformed webhook-id header", id="id-257-chars"),
    pytest.param(_with_id("msg 1"), "malformed webhook-id header", id="id-space"),
    pytest.param(_with_id("msg_\x1b1"), "malformed webhook-id header", id="id-escape"),
    pytest.param(_with_id("msg_é"), "malformed webhook-id header", id="id-not-ascii"),
]


def test_verify_callback_signed_with_the_secret() -> None:
    """A callback signed over its exact bytes comes back with its headers."""
    headers = signed_headers(BODY, webhook_id="msg_ok")

    signed = VERIFIER.verify(BODY.encode(), headers)

    assert signed.webhook_id == "msg_ok"
    assert signed.webhook_timestamp == int(headers["webhook-timestamp"])
    assert signed.signature == headers["webhook-signature"]


def test_verify_callback_with_one_matching_signature_of_several() -> None:
    """A signature list passes when any v1 signature matches (secret rotation)."""
    headers = signed_headers(BODY)
    old = signed_headers(BODY, secret=OTHER_SECRET)["webhook-signature"]
    headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"

    signed = VERIFIER.verify(BODY.encode(), headers)

    assert signed.webhook_id == "msg_1"


@pytest.mark.parametrize(
    "webhook_id",
    [
        pytest.param("m", id="1-char"),
        pytest.param("m" * 256, id="256-chars"),
        pytest.param("msg_2Xo!~#:/=+", id="punctuation"),
    ],
)
def test_verify_callback_with_webhook_id_in_range(webhook_id: str) -> None:
    """A webhook id of 1 to 256 printable ASCII characters is accepted as sent."""
    headers = signed_headers(BODY, webhook_id=webhook_id)

    signed = VERIFIER.verify(BODY.encode(), headers)

    assert signed.webhook_id == webhook_id


@pytest.mark.parametrize(("make_request", "reason"), REJECTIONS)
def test_verify_callback_rejected(
    make_request: Callable[[], Request], reason: str
) -> None:
    """Every failure, malformed input included, is one SignatureError with a reason."""
    body, headers = make_request()

    with pytest.raises(SignatureError) as caught:
        VERIFIER.verify(body, headers)

    assert caught.value.reason == reason
    assert str(caught.value) == reason


def test_verify_callback_with_previous_secret() -> None:
    """While rotating, a callback signed with a previous secret still verifies."""
    headers = signed_headers(BODY, secret=OTHER_SECRET)
    rotating = SignatureVerifier([SECRET, OTHER_SECRET], tolerance=300)

    signed = rotating.verify(BODY.encode(), headers)

    assert signed.webhook_id == "msg_1"


@pytest.mark.parametrize(
    ("shift_s", "tolerance", "reason"),
    [
        pytest.param(-59, 60, None, id="old-inside"),
        pytest.param(-61, 60, "timestamp too old", id="old-outside"),
        pytest.param(59, 60, None, id="new-inside"),
        pytest.param(61, 60, "timestamp too new", id="new-outside"),
        pytest.param(-3600, 7200, None, id="wide-window"),
    ],
)
def test_verify_callback_tolerance_setting(
    shift_s: int, tolerance: int, reason: str | None
) -> None:
    """The timestamp window is the configured tolerance, in both directions."""
    at = datetime.now(tz=UTC) + timedelta(seconds=shift_s)
    headers = signed_headers(BODY, at=at)
    verifier = SignatureVerifier([SECRET], tolerance=tolerance)

    if reason is None:
        assert verifier.verify(BODY.encode(), headers).webhook_id == "msg_1"
    else:
        with pytest.raises(SignatureError, match=reason):
            verifier.verify(BODY.encode(), headers)


def test_verify_callback_over_bytes_that_are_not_utf8() -> None:
    """The signature covers raw bytes, so a signed non-UTF-8 body still verifies."""
    body = "請求書".encode("shift_jis")
    headers = hmac_headers(body)

    signed = VERIFIER.verify(body, headers)

    assert signed.webhook_id == "msg_raw"
