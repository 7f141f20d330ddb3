"""
The Python load generator: flat out or paced, bounded in time and count.

Used when wrk is not installed, and always for paced load, which wrk cannot pace.
Each worker holds one lean keep-alive connection (see `connection.py`).
"""

import asyncio
import itertools
import time
from dataclasses import dataclass, field

from bench.connection import Connection, RequestFailedError
from bench.load import REQUEST_TIMEOUT, LoadResult, Target, invoice_body, percentile


@dataclass
class _Tally:
    sent: int = 0
    rejected: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    accepted_at: dict[str, float] = field(default_factory=dict)

    def result(self, started: float, ended: float) -> LoadResult:
        return LoadResult(
            generator="python",
            started=started,
            ended=ended,
            sent=self.sent,
            accepted=len(self.accepted_at),
            rejected=self.rejected,
            errors=self.errors + self.rejected,
            p50_ms=percentile(self.latencies_ms, 0.50),
            p99_ms=percentile(self.latencies_ms, 0.99),
            accepted_at=self.accepted_at,
        )


async def flat_out(
    target: Target, duration: float, connections: int, limit: int | None = None
) -> LoadResult:
    """
    POST as fast as `connections` workers can for `duration` s (or `limit` invoices).
    """
    tally, numbers = _Tally(), itertools.count()
    deadline = time.monotonic() + duration

    async def work() -> None:
        connection = Connection(target.base_url, REQUEST_TIMEOUT)
        for number in numbers:
            if time.monotonic() >= deadline or (limit and number >= limit):
                break
            await _post(connection, tally, target, number)
        await connection.close()

    started = time.time()
    await asyncio.gather(*(work() for _ in range(connections)))
    return tally.result(started, time.time())


async def paced(
    target: Target, duration: float, rate: float, connections: int
) -> LoadResult:
    """
    Start one POST every 1/`rate` s for `duration` s, whether or not earlier ones ended.

    Each POST takes an idle connection of its own; one due while all `connections`
    are busy is skipped and counted as an error.
    """
    tally = _Tally()
    idle = [Connection(target.base_url, REQUEST_TIMEOUT) for _ in range(connections)]
    running = set[asyncio.Task[None]]()
    start, started = time.monotonic(), time.time()
    for number in range(int(duration * rate)):
        await asyncio.sleep(max(0.0, start + number / rate - time.monotonic()))
        if not idle:
            tally.errors += 1
            continue
        task = asyncio.create_task(_post_from(idle, tally, target, number))
        running.add(task)
        task.add_done_callback(running.discard)

    await asyncio.gather(*running)
    await asyncio.gather(*(connection.close() for connection in idle))
    return tally.result(started, time.time())


async def _post_from(
    idle: list[Connection], tally: _Tally, target: Target, number: int
) -> None:
    connection = idle.pop()
    try:
        await _post(connection, tally, target, number)
    finally:
        idle.append(connection)


async def _post(
    connection: Connection, tally: _Tally, target: Target, number: int
) -> None:
    invoice_id = f"{target.prefix}-{number}"
    body = invoice_body(invoice_id, number)
    tally.sent += 1
    started = time.perf_counter()
    try:
        status = await connection.post(target.path, body)
    except RequestFailedError:
        tally.errors += 1
        return

    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    if status == 202:
        tally.accepted_at[invoice_id] = time.time()
    else:
        tally.rejected += 1
