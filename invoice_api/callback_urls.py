"""
Callback URLs: what the API accepts, and the target it builds for an invoice.
"""

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
PRINTABLE_ASCII = re.compile(r"[!-~]+")
# %00-%1F and %7F, and the C1 controls as UTF-8 (%C2%80-%C2%9F).
ENCODED_CONTROL = re.compile(r"%[01][0-9a-f]|%7f|%c2%[89][0-9a-f]", re.IGNORECASE)
DOT_SEGMENTS = (".", "..")
SCHEMES = ("http", "https")


def validate_callback_url(url: str) -> str:
    """
    Return `url` if it is an absolute http(s) URL with a host; raise ValueError if not.
    """
    if not url:
        raise ValueError("must not be empty; leave callback_url out for no callback")
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"must be at most {MAX_URL_LENGTH} characters")
    # urlsplit would quietly drop tabs and line breaks; refuse what is not plain.
    if not PRINTABLE_ASCII.fullmatch(url):
        raise ValueError(
            "must be printable ASCII without spaces; percent-encode other "
            "characters and write international host names in punycode"
        )

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL: {exc}") from exc

    if parts.scheme not in SCHEMES:
        raise ValueError(f"must be an absolute http or https URL, not {url!r}")
    if not parts.hostname:
        raise ValueError(f"must name a host: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry a user name or password")
    if port == 0:
        raise ValueError(f"has no usable port: {url!r}")
    if "#" in url:
        raise ValueError("must not have a #fragment: it would never be sent")
    _check_path(parts.path, url)
    return url


def _check_path(path: str, url: str) -> None:
    # A client or server may resolve /a/../b to /b, so the callback would not go
    # where the URL seems to say; a control character is never a real path.
    if ENCODED_CONTROL.search(url):
        raise ValueError("must not carry a percent-encoded control character")
    segments = [unquote(segment) for segment in path.split("/")]
    if any(segment in DOT_SEGMENTS for segment in segments):
        raise ValueError(
            "must not have . or .. path segments (plain or percent-encoded): "
            "write the path they lead to"
        )


def build_target_url(callback_url: str, invoice_id: str) -> str:
    """
    Put `/invoices/{invoice_id}` after the callback URL's path, before its query.
    """
    parts = urlsplit(callback_url)
    segment = quote(invoice_id, safe="")
    path = f"{parts.path.rstrip('/')}/invoices/{segment}"

    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def target_host(url: str) -> str:
    """
    The host and port a URL connects to, as the key for per-host limits.
    """
    return urlsplit(url).netloc.lower()
