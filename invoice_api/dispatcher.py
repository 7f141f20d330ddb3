"""
The dispatcher: claims due callbacks from the outbox, sends them, records each attempt.

One shared HTTP client; at most `concurrency` sends at once and at most `per_host` to
any one host, so a receiver that hangs holds only its own share. A single claiming loop
fills per-host queues and is woken when a callback becomes due.
"""

import asyncio
import logging
import time
from collections import Counter, defaultdict, deque
from collections.abc import Collection

from invoice_api.outbox import Claim, Outbox
from invoice_api.retries import Decision, RetryPolicy
from invoice_api.sender import Outcome, Sender
from invoice_api.ticker import Ticker

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE = 3.0
# Callbacks falling due within this span are claimed in one transaction.
GATHER = 0.005


class Dispatcher:
    """
    Delivers callbacks at least once, retrying by `policy`, until delivered or failed.
    """

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        policy: RetryPolicy,
        *,
        concurrency: int,
        per_host: int,
        lease: float,
        poll_interval: float,
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self._policy = policy
        self._concurrency = concurrency
        self._per_host = per_host
        self._lease = lease
        self._waiting: defaultdict[str, deque[Claim]] = defaultdict(deque)
        self._active: Counter[str] = Counter()
        self._tasks: dict[asyncio.Task[None], Claim] = {}
        self.ticker = Ticker("dispatcher", self._claim, poll_interval, GATHER)

    def start(self) -> None:
        """
        Start claiming due deliveries.
        """
        self.ticker.start()

    async def stop(self) -> None:
        """
        Stop claiming, let sends in flight finish briefly, give back everything else.
        """
        await self.ticker.stop()
        unsent = [claim for queue in self._waiting.values() for claim in queue]
        self._waiting.clear()

        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=SHUTDOWN_GRACE)
            unsent += [self._tasks[task] for task in late]
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

        await self._outbox.release(unsent, time.time())
        await self._sender.close()

    def notify(self, hosts: Collection[str]) -> None:
        """
        Callbacks to `hosts` are due: claim them now, unless every one of those hosts
        already has its fill (then the next finished send makes room and claims).
        """
        held = self._held()
        if any(held[host] < 2 * self._per_host for host in hosts):
            self.ticker.wake()

    def _held(self) -> Counter[str]:
        held = Counter({host: len(queue) for host, queue in self._waiting.items()})
        held.update(self._active)
        return held

    async def _claim(self) -> float | None:
        held = self._held()
        room = 2 * self._concurrency - sum(held.values())
        if room <= 0:
            return None

        now = time.time()
        busy = [host for host, count in held.items() if count >= 2 * self._per_host]
        claimed = await self._outbox.claim_due(now, room, self._lease, busy)
        for claim in claimed.claims:
            self._waiting[claim.target_host].append(claim)
        self._start_sends()
        if len(claimed.claims) == room:
            return None

        # Due but unclaimed means its host is busy: wait for a send to finish.
        next_at = claimed.next_due_at
        return None if next_at is None or next_at <= now else next_at - now

    def _start_sends(self) -> None:
        for host, queue in list(self._waiting.items()):
            while queue and self._has_room(host):
                claim = queue.popleft()
                self._active[host] += 1
                task = asyncio.create_task(self._deliver(claim))
                self._tasks[task] = claim
                task.add_done_callback(self._tasks.pop)
            if not queue:
                del self._waiting[host]

    def _has_room(self, host: str) -> bool:
        sending = sum(self._active.values())
        return self._active[host] < self._per_host and sending < self._concurrency

    def _sent(self, host: str) -> None:
        # The host's slot is free once the answer is in; recording it needs no slot.
        self._active[host] -= 1
        if not self._active[host]:
            del self._active[host]
        self._start_sends()
        held = sum(len(queue) for queue in self._waiting.values())
        if held + sum(self._active.values()) <= self._concurrency:
            self.ticker.wake()

    async def _deliver(self, claim: Claim) -> None:
        try:
            outcome = await self._send(claim)
            decision = self._policy.decide(
                outcome.attempt, claim.attempts_left, outcome.retry_after, time.time()
            )
            status = "pending" if decision.verdict == "retry" else decision.verdict
            next_at = None if decision.wait is None else time.time() + decision.wait
            kept = await self._outbox.record(claim, outcome.attempt, status, next_at)
            if next_at is not None:
                # The claim loop may be asleep until its poll: tell it of the retry.
                self.ticker.wake()
        except Exception:
            # The lease brings the delivery back; the other sends carry on.
            logger.exception(
                "callback.record_failed invoice_id=%s webhook_id=%s",
                claim.invoice_id,
                claim.webhook_id,
            )
            return
        _log_outcome(claim, outcome.describe(), decision, kept)

    async def _send(self, claim: Claim) -> Outcome:
        try:
            return await self._sender.send(claim)
        finally:
            self._sent(claim.target_host)


def _log_outcome(claim: Claim, outcome: str, decision: Decision, kept: bool) -> None:
    ids = (claim.invoice_id, claim.webhook_id, claim.number, outcome)
    if not kept:
        logger.warning(
            "callback.lease_lost invoice_id=%s webhook_id=%s attempt=%d outcome=%r",
            *ids,
        )
    elif decision.verdict == "delivered":
        logger.info(
            "callback.delivered invoice_id=%s webhook_id=%s attempt=%d status=%s", *ids
        )
    elif decision.verdict == "retry":
        logger.warning(
            "callback.retry_scheduled invoice_id=%s webhook_id=%s attempt=%d "
            "outcome=%r wait_s=%.1f %s",
            *ids,
            decision.wait,
            decision.reason,
        )
    else:
        logger.error(
            "callback.failed invoice_id=%s webhook_id=%s attempt=%d outcome=%r "
            "reason=%r",
            *ids,
            decision.reason,
        )
