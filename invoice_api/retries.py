"""
The delivery rules: which outcome of an attempt is final, and how long to wait if not.
"""

import random
from dataclasses import dataclass
from typing import Literal

from invoice_api.store import AttemptRecord

Verdict = Literal["delivered", "retry", "failed"]


@dataclass(frozen=True)
class RetryPolicy:
    """
    Exponential backoff with jitter, capped, for a fixed number of attempts in all.
    """

    attempts: int
    wait_initial: float
    wait_max: float
    wait_jitter: float

    def verdict(self, attempt: AttemptRecord, number: int) -> Verdict:
        """
        Judge attempt `number` (1-based): a 2xx is delivered; anything else fails it.
        """
        if attempt.status_code is not None and 200 <= attempt.status_code < 300:
            return "delivered"
        if number >= self.attempts:
            return "failed"
        return "retry"

    def wait(self, number: int) -> float:
        """
        Seconds to wait after failed attempt `number` before the next one.
        """
        backoff = self.wait_initial * 2.0 ** (number - 1)
        return min(self.wait_max, backoff) + random.uniform(0, self.wait_jitter)
