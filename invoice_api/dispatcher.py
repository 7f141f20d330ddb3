"""
The dispatcher: claims due callbacks from the outbox, sends them, records each attempt.

One shared HTTP client, and a fixed number of sender tasks fed from a queue that a
single claiming loop fills; the loop is woken when a callback becomes due.
"""

import asyncio
import logging
import time

import httpx

from invoice_api.outbox import Outbox
from invoice_api.retries import RetryPolicy
from invoice_api.signing import Signer
from invoice_api.store import AttemptRecord, Claim
from invoice_api.ticker import Ticker

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 2048
SHUTDOWN_GRACE = 3.0
USER_AGENT = "invoice-callback-kit/0.1"


class Dispatcher:
    """
    Delivers callbacks at least once, retrying by `policy`, until delivered or failed.
    """

    def __init__(
        self,
        outbox: Outbox,
        signer: Signer,
        policy: RetryPolicy,
        *,
        senders: int,
        timeout: float,
        lease: float,
        poll_interval: float,
    ) -> None:
        self._outbox = outbox
        self._signer = signer
        self._policy = policy
        self._senders = senders
        self._lease = lease
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=senders),
            # Plain bodies only, so the excerpt cap counts the bytes we really hold.
            headers={"user-agent": USER_AGENT, "accept-encoding": "identity"},
        )
        self._queue: asyncio.Queue[Claim | None] = asyncio.Queue()
        self._held: set[Claim] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.ticker = Ticker("dispatcher", self._claim, poll_interval)

    def start(self) -> None:
        """
        Start the claiming loop and the sender tasks.
        """
        self.ticker.start()
        self._tasks = [
            asyncio.create_task(self._send_loop(), name=f"sender-{index}")
            for index in range(self._senders)
        ]

    async def stop(self) -> None:
        """
        Stop claiming, let sends in flight finish briefly, give back everything else.
        """
        await self.ticker.stop()
        while not self._queue.empty():
            self._queue.get_nowait()
        for _ in self._tasks:
            self._queue.put_nowait(None)

        _, unfinished = await asyncio.wait(self._tasks, timeout=SHUTDOWN_GRACE)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)

        if self._held:
            await self._outbox.release(list(self._held))
        await self._client.aclose()

    async def _claim(self) -> float | None:
        room = 2 * self._senders - len(self._held)
        if room <= 0:
            return None

        now = time.time()
        claims = await self._outbox.claim_due(now, limit=room, lease=self._lease)
        for claim in claims:
            self._held.add(claim)
            self._queue.put_nowait(claim)
        if len(claims) == room:
            return None

        next_at = await self._outbox.next_due_at()
        return None if next_at is None else next_at - now

    async def _send_loop(self) -> None:
        while (claim := await self._queue.get()) is not None:
            try:
                await self._deliver(claim)
            except Exception:
                # The lease brings the delivery back; this sender carries on.
                logger.exception(
                    "callback.record_failed invoice_id=%s webhook_id=%s",
                    claim.invoice_id,
                    claim.webhook_id,
                )
            self._held.discard(claim)
            if len(self._held) <= self._senders:
                self.ticker.wake()

    async def _deliver(self, claim: Claim) -> None:
        attempt = await self._attempt(claim)
        verdict = self._policy.verdict(attempt, claim.number)
        wait = self._policy.wait(claim.number) if verdict == "retry" else None

        status = "pending" if verdict == "retry" else verdict
        next_at = None if wait is None else time.time() + wait
        await self._outbox.record(claim, attempt, status, next_at)
        _log_outcome(claim, attempt, verdict, wait)

    async def _attempt(self, claim: Claim) -> AttemptRecord:
        started = time.time()
        headers = self._signer.headers(claim.webhook_id, int(started), claim.payload)
        status_code, error, excerpt = None, None, None
        try:
            request = self._client.build_request(
                "POST", claim.target_url, content=claim.payload, headers=headers
            )
            response = await self._client.send(request, stream=True)
            try:
                status_code = response.status_code
                excerpt = await _read_excerpt(response)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")

        duration_ms = (time.time() - started) * 1000
        return AttemptRecord(started, duration_ms, status_code, error, excerpt)


async def _read_excerpt(response: httpx.Response) -> str:
    """
    Read at most EXCERPT_BYTES of the answer, so a huge body cannot fill memory.
    """
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) >= EXCERPT_BYTES:
            break
    return body[:EXCERPT_BYTES].decode("utf-8", "replace")


def _log_outcome(
    claim: Claim, attempt: AttemptRecord, verdict: str, wait: float | None
) -> None:
    ids = (claim.invoice_id, claim.webhook_id, claim.number)
    outcome = attempt.status_code if attempt.status_code is not None else attempt.error
    if verdict == "delivered":
        logger.info(
            "callback.delivered invoice_id=%s webhook_id=%s attempt=%d status=%s "
            "duration_ms=%.0f",
            *ids,
            outcome,
            attempt.duration_ms,
        )
    elif verdict == "retry":
        logger.warning(
            "callback.retry_scheduled invoice_id=%s webhook_id=%s attempt=%d "
            "outcome=%r wait_s=%.1f",
            *ids,
            outcome,
            wait,
        )
    else:
        logger.error(
            "callback.failed invoice_id=%s webhook_id=%s attempts=%d outcome=%r",
            *ids,
            outcome,
        )
