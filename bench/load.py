"""
What a load generator is given and what it reports, whichever generator ran.
"""

import json
import math
from dataclasses import dataclass, field
from urllib.parse import quote

REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Target:
    """
    Where to POST invoices, the prefix of their ids, and the callback URL if any.
    """

    base_url: str
    prefix: str
    callback_url: str | None = None

    @property
    def query(self) -> str:
        """
        The query string of every POST, `callback_url` percent-encoded.
        """
        if self.callback_url is None:
            return ""
        return "?callback_url=" + quote(self.callback_url, safe="")

    @property
    def path(self) -> str:
        """
        The path and query of every POST.
        """
        return f"/invoices/{self.query}"


@dataclass
class LoadResult:
    """
    One load run: counts, POST latency percentiles, and when each 202 came back.

    `rejected` counts answers other than 202; `errors` counts them, requests that
    failed or timed out, and paced requests skipped for want of a connection.

    `accepted_at` (invoice id to wall-clock time) is filled by the Python generator
    only; wrk reports counts and percentiles.
    """

    generator: str
    started: float
    ended: float
    sent: int
    accepted: int
    rejected: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None
    accepted_at: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """
        Accepted invoices per second over the run.
        """
        return self.accepted / max(self.ended - self.started, 1e-9)

    @property
    def last_accepted(self) -> float:
        """
        When the last 202 came back, or the end of the run if that is not known.
        """
        return max(self.accepted_at.values(), default=self.ended)


def invoice_body(invoice_id: str, total: int) -> bytes:
    """
    A small invoice, valid for the kit and every baseline.
    """
    body = {"id": invoice_id, "customer": "Bench", "total": total}
    return json.dumps(body).encode()


def percentile(values: list[float], share: float) -> float | None:
    """
    The nearest-rank percentile (`share` from 0 to 1) of `values`, None if empty.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
