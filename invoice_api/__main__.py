"""
`python -m invoice_api`: configure logging, then serve the API with uvicorn.
"""

import logging
import sys

import uvicorn
from pydantic import ValidationError

from invoice_api.app import create_app
from invoice_api.settings import ApiSettings

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """
    Send INFO and above to stdout; a character the console cannot show is escaped.
    """
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stdout)


def main() -> int:
    """
    Read the settings, refuse bad ones with one clear line, and serve.
    """
    configure_logging()
    try:
        settings = ApiSettings()
    except ValidationError as exc:
        errors = "; ".join(_describe(error) for error in exc.errors())
        sys.stderr.write(f"invoice_api: invalid settings: {errors}\n")
        return 2

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def _describe(error: object) -> str:
    details = dict(error)  # type: ignore[call-overload]
    field = ".".join(str(part) for part in details.get("loc", ()))
    return f"{field or 'settings'}: {details['msg']}"


if __name__ == "__main__":
    sys.exit(main())
