"""
The delivery rules in one place: what an attempt's outcome means, when to try again.
"""

import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal

from invoice_api.outbox import AttemptRecord

Verdict = Literal["delivered", "retry", "failed"]
GONE = 410
BUSY = (429, 503)
# Standard Webhooks' schedule: the waits after attempts 1 to 9 (5 s ... 24 h).
STANDARD_SCHEDULE: tuple[float, ...] = (
    5.0,
    300.0,
    1800.0,
    7200.0,
    18000.0,
    36000.0,
    50400.0,
    72000.0,
    86400.0,
)


@dataclass(frozen=True)
class Decision:
    """
    What to do after an attempt: the verdict, and for a retry the wait in seconds.
    """

    verdict: Verdict
    wait: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """
    A fixed number of attempts; waits from a schedule, or exponential without one.
    """

    attempts: int
    wait_initial: float
    wait_max: float
    wait_jitter: float
    wait_schedule: tuple[float, ...] = ()

    def decide(
        self,
        attempt: AttemptRecord,
        attempts_left: int,
        retry_after: str | None,
        now: float,
    ) -> Decision:
        """
        Judge an attempt, given how many attempts (this one included) were left.
        """
        code = attempt.status_code
        if code is not None and 200 <= code < 300:
            return Decision("delivered")
        if code == GONE:
            return Decision("failed", reason="410 Gone: the receiver asked to stop")
        if attempts_left <= 1:
            return Decision("failed", reason="no attempts left")

        wait, reason = self.wait(attempts_left), ""
        if code in BUSY and retry_after is not None:
            asked = _parse_retry_after(retry_after, now)
            if asked is None:
                reason = f"malformed Retry-After {retry_after[:64]!r} ignored"
            else:
                wait, reason = max(wait, asked), f"Retry-After {retry_after[:64]!r}"
        return Decision("retry", min(wait, self.wait_max), reason)

    def wait(self, attempts_left: int) -> float:
        """
        Seconds to wait before the next attempt, jitter included, at most `wait_max`.
        """
        failed = self.attempts - attempts_left + 1
        if self.wait_schedule:
            base = self.wait_schedule[min(failed, len(self.wait_schedule)) - 1]
        else:
            base = self.wait_initial * 2.0 ** (failed - 1)
        return min(self.wait_max, base + random.uniform(0, self.wait_jitter))


def _parse_retry_after(value: str, now: float) -> float | None:
    """
    Seconds from `now` that a Retry-After header asks for; None if it is malformed.
    """
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)
