"""
What the path operations get from the app: its store, loops and settings.
"""

from typing import cast

from fastapi import Request

from invoice_api.callback_policy import CallbackPolicy
from invoice_api.dispatcher import Dispatcher
from invoice_api.payments import PaymentSimulator
from invoice_api.settings import ApiSettings
from invoice_api.store import Store


async def get_store(request: Request) -> Store:
    """
    The store opened by the app's lifespan.
    """
    return cast(Store, request.app.state.store)


async def get_payments(request: Request) -> PaymentSimulator:
    """
    The payment simulator started by the app's lifespan.
    """
    return cast(PaymentSimulator, request.app.state.payments)


async def get_settings(request: Request) -> ApiSettings:
    """
    The settings the app was created with.
    """
    return cast(ApiSettings, request.app.state.settings)


async def get_dispatcher(request: Request) -> Dispatcher:
    """
    The dispatcher started by the app's lifespan.
    """
    return cast(Dispatcher, request.app.state.dispatcher)


async def get_policy(request: Request) -> CallbackPolicy:
    """
    The callback URL policy built from the settings' allow-list.
    """
    return cast(CallbackPolicy, request.app.state.policy)
