"""
Callback URLs: what the API accepts, and the target it builds for an invoice.
"""

from urllib.parse import quote, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
SCHEMES = ("http", "https")


def validate_callback_url(url: str) -> str:
    """
    Return `url` if it is an absolute http(s) URL with a host; raise ValueError if not.
    """
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"must be at most {MAX_URL_LENGTH} characters")

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
    return url


def build_target_url(callback_url: str, invoice_id: str) -> str:
    """
    Put `/invoices/{invoice_id}` after the callback URL's path, before its query.
    """
    parts = urlsplit(callback_url)
    segment = quote(invoice_id, safe="")
    path = f"{parts.path.rstrip('/')}/invoices/{segment}"

    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
