"""
`python -m callback_receiver`: configure logging, check what the receiver needs,
then serve on the settings' address.
"""

import asyncio
import sys

import uvicorn

from callback_receiver.app import create_app
from callback_receiver.inbox import Inbox
from callback_receiver.settings import ReceiverSettings
from kit_process.console import configure_logging, read_settings
from kit_process.database_check import database_problem
from kit_process.port_check import listen_problem

PREFIX = "CALLBACK_RECEIVER_"


def main() -> int:
    """
    Run the receiver until interrupted; return 2 when the settings are invalid (or
    the database does not open), 3 when its address or port cannot be had, each
    with one clear line.
    """
    configure_logging()
    settings = read_settings(ReceiverSettings, "callback_receiver", PREFIX)
    if settings is None:
        return 2

    problem = asyncio.run(_database_problem(settings.database_url))
    if problem is not None:
        sys.stderr.write(f"callback_receiver: {problem}\n")
        return 2

    problem = listen_problem(settings.host, settings.port, PREFIX)
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


async def _database_problem(url: str) -> str | None:
    async def open_and_close() -> None:
        inbox = await Inbox.open(url)
        await inbox.close()

    return await database_problem(open_and_close, url, f"{PREFIX}DATABASE_URL")


if __name__ == "__main__":
    sys.exit(main())
