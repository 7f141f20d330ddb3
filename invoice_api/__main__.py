"""
`python -m invoice_api`: configure logging, then serve the API with uvicorn.
"""

import sys

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from invoice_api.app import create_app
from invoice_api.settings import ApiSettings
from kit_process.console import configure_logging, describe_settings_error
from kit_process.port_check import listen_problem


def main() -> int:
    """
    Serve until interrupted; exit with one clear line, 2 for bad settings, 3 when
    the port cannot be had.
    """
    configure_logging()
    try:
        settings = ApiSettings()
    except (ValidationError, SettingsError) as exc:
        reason = describe_settings_error(exc)
        sys.stderr.write(f"invoice_api: invalid settings: {reason}\n")
        return 2

    problem = listen_problem(settings.host, settings.port, "INVOICE_API_PORT")
    if problem is not None:
        sys.stderr.write(f"invoice_api: {problem}\n")
        return 3

    # Only INVOICE_API_PORT counts; honcho's PORT is never read.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
