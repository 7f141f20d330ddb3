"""
The receiver application: routes, the inbox page, and the inbox's lifetime.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles

from callback_receiver import failure_mode, pages, routes
from callback_receiver.inbox import Inbox
from callback_receiver.settings import ReceiverSettings, get_settings
from callback_receiver.verification import SignatureVerifier
from kit_process.body_limit import BodyLimit
from kit_process.validation_errors import validation_error_handler

logger = logging.getLogger(__name__)

STATIC_FOLDER = Path(__file__).parent / "static"
# A callback is well under 1 KiB; anything far larger is refused with a 413.
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: ReceiverSettings | None = None) -> FastAPI:
    """
    Build the receiver for `settings` (by default, those of the environment).
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="Callback receiver",
        summary="Receives signed invoice callbacks and keeps them in an inbox.",
        lifespan=_lifespan,
    )
    # Starlette's own limit would answer 413 in plain text; this one in JSON.
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.state.settings = settings
    app.state.verifier = SignatureVerifier(
        [settings.webhook_secret, *settings.previous_webhook_secrets],
        settings.timestamp_tolerance,
    )
    app.state.failure_mode = failure_mode.FailureMode()

    app.include_router(routes.router)
    # Unmounted, nothing can switch the failure mode on, so no callback fails.
    if settings.failure_mode_enabled:
        app.include_router(failure_mode.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_FOLDER), name="static")
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: ReceiverSettings = app.state.settings
    app.state.inbox = await Inbox.open(settings.database_url)
    logger.info("inbox.opened backend=%s", app.state.inbox.backend)
    _log_started(settings)

    try:
        yield
    finally:
        await app.state.inbox.close()
        logger.info("receiver.stopped")


def _log_started(settings: ReceiverSettings) -> None:
    if settings.uses_demo_secret:
        logger.warning(
            "receiver.demo_secret host=%s hint=%s",
            settings.host,
            "set CALLBACK_RECEIVER_WEBHOOK_SECRET outside the local demo",
        )

    logger.info("receiver.started host=%s port=%s", settings.host, settings.port)
