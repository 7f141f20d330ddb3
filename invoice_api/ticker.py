"""
A background loop that runs a step when woken, when work falls due, or on a slow poll.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Step = Callable[[], Awaitable[float | None]]


class Ticker:
    """
    Runs `step` again and again; `step` returns the seconds until its next work is due.

    A `wake()` during a step is not lost: the step runs once more right after. Steps
    are at least `gather` s apart, so that work woken many times in that span is
    taken in one step (one transaction instead of one each).
    """

    def __init__(
        self, name: str, step: Step, poll_interval: float, gather: float = 0.0
    ) -> None:
        self._name = name
        self._step = step
        self._poll_interval = poll_interval
        self._gather = gather
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """
        Begin looping in a task of the running event loop.
        """
        self._task = asyncio.create_task(self._run(), name=self._name)

    def wake(self) -> None:
        """
        Ask for a step now, because new work may be due.
        """
        self._woken.set()

    async def stop(self) -> None:
        """
        Cancel the loop and wait for it to end.
        """
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while True:
            self._woken.clear()
            delay = await self._safe_step()
            if self._gather:
                await asyncio.sleep(self._gather)

            timeout = self._poll_interval if delay is None else delay - self._gather
            timeout = min(max(timeout, 0.0), self._poll_interval)

            if timeout > 0:
                try:
                    await asyncio.wait_for(self._woken.wait(), timeout)
                except TimeoutError:
                    pass

    async def _safe_step(self) -> float | None:
        try:
            return await self._step()
        except Exception:
            # A failing database must not end the loop: log it, try again later.
            logger.exception("ticker.step_failed name=%s", self._name)
            return self._poll_interval
