"""
The failure mode: answer the next callbacks badly or late, to watch the API retry.
"""

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from callback_receiver.models import FailureModeRequest, FailureModeState

logger = logging.getLogger(__name__)

# HTTP forbids a body on these answers; uvicorn fails the response if one is sent.
BODILESS_STATUSES = frozenset({304})
OFF = FailureModeState(count=0, status=None, retry_after=None, delay=0.0)

router = APIRouter(tags=["learning"])


class FailureMode:
    """
    One app's failure mode, in memory; no method awaits, so each is race-free.
    """

    def __init__(self) -> None:
        self._state = OFF

    @property
    def state(self) -> FailureModeState:
        """
        Return the failure mode as it stands.
        """
        return self._state

    def set(self, mode: FailureModeRequest) -> None:
        """
        Affect the next `mode.count` callbacks, replacing any earlier mode.
        """
        self._state = FailureModeState(**mode.model_dump())

    def clear(self) -> None:
        """
        Switch the failure mode off.
        """
        self._state = OFF

    def take(self) -> FailureModeState | None:
        """
        Count one callback as affected; return the mode left, or None when off.
        """
        if self._state.count == 0:
            return None

        left = self._state.count - 1
        taken = self._state.model_copy(update={"count": left})
        self._state = taken if left else OFF
        return taken


async def get_failure_mode(request: Request) -> FailureMode:
    """
    Return the failure mode the app was built with.
    """
    failure_mode: FailureMode = request.app.state.failure_mode
    return failure_mode


FailureModeDep = Annotated[FailureMode, Depends(get_failure_mode)]


@router.put(
    "/failure-mode",
    response_model=FailureModeState,
    responses={
        400: {"description": "The body cannot be read as UTF-8 JSON"},
        413: {"description": "The body is over 64 KiB"},
    },
)
async def set_failure_mode(
    mode: FailureModeRequest, failure_mode: FailureModeDep
) -> FailureModeState:
    """
    For learning: misbehave on purpose for the next `count` callbacks.

    Watch the invoice API retry. Signatures are still checked first, so a forged
    callback gets 401 and is not counted. With a `status`, an affected callback
    gets that status (and `Retry-After`, if given) and is not recorded; with
    none, it is recorded as usual. Either way the answer comes after `delay`
    seconds. A new mode replaces the current one; it is lost on restart.
    """
    failure_mode.set(mode)
    logger.info(
        "failure_mode.set count=%d status=%s retry_after=%s delay_s=%.1f",
        mode.count,
        mode.status,
        mode.retry_after,
        mode.delay,
    )

    return failure_mode.state


@router.get("/failure-mode", response_model=FailureModeState)
async def show_failure_mode(failure_mode: FailureModeDep) -> FailureModeState:
    """
    For learning: show the failure mode; `count` is 0 when it is off.
    """
    return failure_mode.state


@router.delete("/failure-mode", status_code=204)
async def clear_failure_mode(failure_mode: FailureModeDep) -> None:
    """
    For learning: switch the failure mode off, so callbacks are processed again.
    """
    left = failure_mode.state.count
    failure_mode.clear()

    logger.info("failure_mode.cleared count=%d", left)


async def fail_on_purpose(
    failure_mode: FailureMode, invoice_id: str, webhook_id: str
) -> Response | None:
    """
    Apply the failure mode to one verified callback: a bad answer, or None to go on.
    """
    # Taken before any await, so concurrent callbacks never share one count.
    taken = failure_mode.take()
    if taken is None:
        return None

    logger.warning(
        "callback.failing_on_purpose invoice_id=%s webhook_id=%s status=%s "
        "delay_s=%.1f remaining=%d",
        invoice_id,
        webhook_id,
        taken.status,
        taken.delay,
        taken.count,
    )
    await asyncio.sleep(taken.delay)

    if taken.status is None:
        return None
    return _failing_answer(taken.status, taken)


def _failing_answer(status: int, taken: FailureModeState) -> Response:
    headers = {"Retry-After": taken.retry_after} if taken.retry_after else None
    if status in BODILESS_STATUSES:
        return Response(status_code=status, headers=headers)

    detail = f"failure mode: answering {status}, {taken.count} more to go"
    return JSONResponse(
        {"ok": False, "detail": detail}, status_code=status, headers=headers
    )
