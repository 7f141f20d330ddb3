"""
What the path operations get from the app: its long-lived parts, in one dependency.

One dependency rather than one a part: FastAPI resolves each dependency on every
request, and `POST /invoices/` is the hot path.
"""

from dataclasses import dataclass
from typing import cast

from fastapi import Request

from invoice_api.callback_policy import CallbackPolicy
from invoice_api.dispatcher import Dispatcher
from invoice_api.payments import PaymentSimulator
from invoice_api.settings import ApiSettings
from invoice_api.store import Store


@dataclass(frozen=True)
class Services:
    """
    The store, the background loops, the URL policy and the settings of a running app.
    """

    settings: ApiSettings
    store: Store
    payments: PaymentSimulator
    dispatcher: Dispatcher
    policy: CallbackPolicy


async def get_services(request: Request) -> Services:
    """
    The services built by the app's lifespan.
    """
    return cast(Services, request.app.state.services)
