"""
`python -m callback_receiver`: configure logging, then serve on the settings' address.
"""

import sys

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from callback_receiver.app import create_app
from callback_receiver.settings import ReceiverSettings
from kit_process.console import configure_logging, describe_settings_error
from kit_process.port_check import listen_problem


def main() -> int:
    """
    Run the receiver until interrupted; return 2 when the settings are invalid, 3
    when its port cannot be had, each with one clear line.
    """
    configure_logging()
    try:
        settings = ReceiverSettings()
    except (ValidationError, SettingsError) as exc:
        reason = describe_settings_error(exc)
        sys.stderr.write(f"callback_receiver: invalid settings: {reason}\n")
        return 2

    problem = listen_problem(settings.host, settings.port, "CALLBACK_RECEIVER_PORT")
    if problem is not None:
        sys.stderr.write(f"callback_receiver: {problem}\n")
        return 3

    # Only CALLBACK_RECEIVER_PORT counts; honcho's PORT is never read.
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
