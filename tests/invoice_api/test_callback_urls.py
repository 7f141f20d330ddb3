"""
Tests of callback URL validation and target building.
"""

import pytest

from invoice_api.callback_urls import build_target_url, validate_callback_url


@pytest.mark.parametrize(
    ("callback_url", "target"),
    [
        pytest.param(
            "http://127.0.0.1:8001",
            "http://127.0.0.1:8001/invoices/inv-1",
            id="bare-host",
        ),
        pytest.param(
            "http://127.0.0.1:8001/",
            "http://127.0.0.1:8001/invoices/inv-1",
            id="root-slash",
        ),
        pytest.param(
            "http://127.0.0.1:8001/callback",
            "http://127.0.0.1:8001/callback/invoices/inv-1",
            id="path",
        ),
        pytest.param(
            "http://127.0.0.1:8001/callback/",
            "http://127.0.0.1:8001/callback/invoices/inv-1",
            id="path-trailing-slash",
        ),
        pytest.param(
            "https://example.com/hooks?token=abc&x=1",
            "https://example.com/hooks/invoices/inv-1?token=abc&x=1",
            id="query-after-path",
        ),
    ],
)
def test_build_target_url_forms(callback_url: str, target: str) -> None:
    """Every callback URL form gets /invoices/{id} after its path, before its query."""
    built = build_target_url(callback_url, "inv-1")

    assert built == target


@pytest.mark.parametrize(
    "invoice_id",
    [
        pytest.param("../../admin", id="dot-segments"),
        pytest.param("a/b", id="slash"),
        pytest.param("@evil.example", id="at-sign"),
        pytest.param("x?y=1#z", id="query-and-fragment"),
    ],
)
def test_build_target_url_keeps_id_inside_path(invoice_id: str) -> None:
    """No invoice id can change the target's host, path prefix or query."""
    built = build_target_url("http://127.0.0.1:8001/callback?k=v", invoice_id)

    prefix = "http://127.0.0.1:8001/callback/invoices/"
    assert built.startswith(prefix)
    assert built.endswith("?k=v")
    assert "/" not in built[len(prefix) : -len("?k=v")]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("ftp://127.0.0.1/x", "http or https", id="scheme"),
        pytest.param("127.0.0.1:8001/callback", "http or https", id="no-scheme"),
        pytest.param("/callback", "http or https", id="relative"),
        pytest.param("http:///callback", "host", id="no-host"),
        pytest.param("http://user:pw@127.0.0.1/", "user name", id="user-info"),
        pytest.param("http://127.0.0.1:99999/", "valid URL", id="bad-port"),
        pytest.param("http://[::1/", "valid URL", id="bad-ipv6"),
        pytest.param("http://a.example/" + "x" * 2048, "2048", id="too-long"),
        pytest.param("http://127.0.0.1/cb\r\nX: 1", "printable", id="line-break"),
        pytest.param("http://127.0.0.1/\tcb", "printable", id="tab"),
        pytest.param("http://exa mple.com/", "printable", id="space-in-host"),
        pytest.param("http://127.0.0.1/cb ", "printable", id="trailing-space"),
        pytest.param("http://bücher.example/", "punycode", id="unicode-host"),
        pytest.param("http://127.0.0.1/\ufffd", "printable", id="replacement"),
        pytest.param("http://127.0.0.1/cb#top", "fragment", id="fragment"),
        pytest.param("", "must not be empty", id="empty"),
        pytest.param("http://127.0.0.1/cb/../failure-mode", r"\.\. path", id="dot-dot"),
        pytest.param("http://127.0.0.1/cb/./x", r"\.\. path", id="dot"),
        pytest.param("http://127.0.0.1/cb/..", r"\.\. path", id="dot-dot-last"),
        pytest.param("http://127.0.0.1/cb/%2e%2e/x", "percent", id="encoded-dots"),
        pytest.param("http://127.0.0.1/cb/%2E./x", "percent", id="half-encoded"),
        pytest.param("http://127.0.0.1/cb%00", "control", id="encoded-nul"),
        pytest.param("http://127.0.0.1/cb?x=%0D%0A", "control", id="encoded-crlf"),
        pytest.param("http://127.0.0.1/cb%7f", "control", id="encoded-delete"),
        pytest.param("http://127.0.0.1/cb%C2%85", "control", id="encoded-c1"),
    ],
)
def test_validate_callback_url_refuses(url: str, reason: str) -> None:
    """Anything but an absolute http(s) URL with a host is refused with the reason."""
    with pytest.raises(ValueError, match=reason):
        validate_callback_url(url)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://hooks.example/..hidden/v1.2/...", id="dots-in-names"),
        pytest.param("https://hooks.example/a%2Fb?q=%20x", id="encoded-printable"),
    ],
)
def test_validate_callback_url_accepts_plain_url(url: str) -> None:
    """A URL whose segments only contain dots among other characters is taken."""
    assert validate_callback_url(url) == url


def test_validate_callback_url_accepts_demo_url() -> None:
    """The demo's callback URL is returned unchanged."""
    url = "http://127.0.0.1:8001/callback"

    assert validate_callback_url(url) == url
