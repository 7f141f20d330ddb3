"""
The invoice API application: routes, and a lifespan that runs the background loops.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from invoice_api.callback_policy import CallbackPolicy
from invoice_api.delivery_routes import router as delivery_router
from invoice_api.dependencies import Services
from invoice_api.dispatcher import Dispatcher
from invoice_api.outbox import Outbox
from invoice_api.payments import PaymentSimulator
from invoice_api.retries import RetryPolicy
from invoice_api.routes import router
from invoice_api.sender import Sender
from invoice_api.settings import DEMO_SECRET, ApiSettings, get_settings
from invoice_api.signing import Signer
from invoice_api.store import Store
from kit_process.body_limit import BodyLimit
from kit_process.validation_errors import validation_error_handler

logger = logging.getLogger(__name__)

# An invoice is a few hundred bytes; anything far larger is refused with a 413.
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """
    Build the API; the store and the loops start with the app and stop with it.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await Store.open(settings.database_url)
        policy = CallbackPolicy(settings.callback_allowlist)
        dispatcher = _build_dispatcher(store, settings, policy)
        payments = PaymentSimulator(store, dispatcher.notify, settings.poll_interval)
        app.state.services = Services(settings, store, payments, dispatcher, policy)
        dispatcher.start()
        payments.ticker.start()
        _log_started(settings)
        try:
            yield
        finally:
            await payments.ticker.stop()
            await dispatcher.stop()
            await store.close()
            logger.info("api.stopped")

    app = FastAPI(
        title="Invoice API",
        summary="Takes invoices and calls you back, signed, when they are paid.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.include_router(router)
    app.include_router(delivery_router)
    return app


def _build_dispatcher(
    store: Store, settings: ApiSettings, callback_policy: CallbackPolicy
) -> Dispatcher:
    retry_policy = RetryPolicy(
        attempts=settings.attempts,
        wait_initial=settings.wait_initial,
        wait_max=settings.wait_max,
        wait_jitter=settings.wait_jitter,
        wait_schedule=settings.wait_schedule,
    )
    sender = Sender(
        Signer([settings.webhook_secret, *settings.previous_webhook_secrets]),
        callback_policy,
        timeout=settings.timeout,
        connections=settings.concurrency,
    )
    return Dispatcher(
        Outbox(store.database),
        sender,
        retry_policy,
        concurrency=settings.concurrency,
        per_host=settings.per_host,
        lease=settings.lease,
        poll_interval=settings.poll_interval,
    )


def _log_started(settings: ApiSettings) -> None:
    if settings.webhook_secret == DEMO_SECRET:
        logger.warning(
            "api.demo_secret host=%s hint=%s",
            settings.host,
            "set INVOICE_API_WEBHOOK_SECRET outside the local demo",
        )
    logger.info(
        "api.callback_allowlist entries=%s hint=%s",
        ",".join(settings.callback_allowlist) or "-",
        "only these may be called back without being public addresses",
    )
    logger.info(
        "api.started host=%s port=%s database_url=%s",
        settings.host,
        settings.port,
        settings.database_url,
    )
