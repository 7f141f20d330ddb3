"""
`python -m invoice_api`: configure logging, check what the API needs, then serve it.
"""

import asyncio
import gc
import sys

import uvicorn

from invoice_api.app import create_app
from invoice_api.settings import ApiSettings
from invoice_api.store import Store
from kit_process.console import configure_logging, read_settings
from kit_process.database_check import database_problem
from kit_process.port_check import listen_problem

PREFIX = "INVOICE_API_"


def main() -> int:
    """
    Serve until interrupted; exit with one clear line, 2 for bad settings (or a
    database that does not open), 3 when the address or port cannot be had.
    """
    configure_logging()
    settings = read_settings(ApiSettings, "invoice_api", PREFIX)
    if settings is None:
        return 2

    problem = asyncio.run(_database_problem(settings.database_url))
    if problem is not None:
        sys.stderr.write(f"invoice_api: {problem}\n")
        return 2

    problem = listen_problem(settings.host, settings.port, PREFIX)
    if problem is not None:
        sys.stderr.write(f"invoice_api: {problem}\n")
        return 3

    app = create_app(settings)
    _freeze_start_up_objects()
    # Only INVOICE_API_PORT counts; honcho's PORT is never read.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def _freeze_start_up_objects() -> None:
    # What exists now (modules, models, routes) lives as long as the process: leave
    # it out of every later garbage collection, whose full passes otherwise stall
    # the loop for tens of milliseconds under load (flat-out POST p99 53 ms -> 19 ms).
    gc.collect()
    gc.freeze()


async def _database_problem(url: str) -> str | None:
    async def open_and_close() -> None:
        store = await Store.open(url)
        await store.close()

    return await database_problem(open_and_close, url, f"{PREFIX}DATABASE_URL")


if __name__ == "__main__":
    sys.exit(main())
