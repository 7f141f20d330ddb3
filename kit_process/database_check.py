"""
Whether a server's database opens, checked before it serves, and why not in one line.
"""

from collections.abc import Awaitable, Callable

from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    SQLAlchemyError,
)

OPEN_ERRORS = (OSError, ImportError, SQLAlchemyError)


def check_database_url(value: str, wants_asyncio: bool, example: str) -> str:
    """
    Return `value` if it is a database URL SQLAlchemy knows, with an asyncio driver
    or a blocking one as `wants_asyncio` says; else raise ValueError saying why,
    with `example` as the form to use.
    """
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"is not a URL like {example}") from None
    try:
        is_asyncio = url.get_dialect().is_async
    except NoSuchModuleError:
        raise ValueError(
            f"names an unknown database or driver {url.drivername!r}"
        ) from None

    if is_asyncio != wants_asyncio:
        kind, wanted = (
            ("asyncio", "a blocking") if is_asyncio else ("blocking", "an asyncio")
        )
        raise ValueError(
            f"names the {kind} driver {url.drivername!r}; this server needs "
            f"{wanted} one, e.g. {example}"
        )
    return value


async def database_problem(
    open_and_close: Callable[[], Awaitable[None]], url: str, setting: str
) -> str | None:
    """
    Run `open_and_close` (the server's own way to open `url`); say why it failed,
    naming `setting` (INVOICE_API_DATABASE_URL ...), or return None when it worked.
    """
    try:
        await open_and_close()
    except OPEN_ERRORS as exc:
        return (
            f"cannot open the database {setting}={_shown(url)}: {_reason(exc)}; "
            f"set {setting} to a database this user can open"
        )
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, DBAPIError):
        return str(exc.orig)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    if isinstance(exc, ImportError):
        return f"{exc}: is the database's driver installed?"
    return str(exc).splitlines()[0]


def _shown(url: str) -> str:
    # A password in the URL stays out of the console.
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
