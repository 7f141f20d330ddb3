"""
Figures from one load run and the callbacks that arrived for it.

A figure is a number or None (not measured, or nothing to measure). Times are wall
clock, comparable because every process runs on this machine.
"""

from bench.load import LoadResult, percentile

Figures = dict[str, float | None]
# Fewer callbacks than this after the load ends make no meaningful rate.
MIN_AFTER = 20


def ingest_figures(load: LoadResult) -> Figures:
    """
    Invoices accepted per second, POST latency p50 and p99, and failed POSTs.
    """
    return {
        "rps": load.rate,
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "errors": float(load.errors),
    }


def delivery_figures(
    load: LoadResult, arrivals: dict[str, float], prefix: str
) -> Figures:
    """
    Callbacks per second during and after the load, when the last one arrived
    (seconds after the last 202), and how many accepted invoices were never called back.
    """
    times = sorted(at for key, at in arrivals.items() if key.startswith(prefix + "-"))
    during = [at for at in times if load.started <= at <= load.ended]
    after = [at for at in times if at > load.ended]
    return {
        "during_cbps": len(during) / max(load.ended - load.started, 1e-9),
        "after_cbps": _rate_after(after, load.ended),
        "last_s": times[-1] - load.last_accepted if times else None,
        "lost": float(max(0, load.accepted - len(times))),
    }


def latency_figures(load: LoadResult, arrivals: dict[str, float]) -> Figures:
    """
    Time from each 202 to the receiver's acknowledgement of its callback, p50 and p99.
    """
    waits = [
        (arrivals[key] - accepted) * 1000
        for key, accepted in load.accepted_at.items()
        if key in arrivals
    ]
    return {
        "e2e_p50_ms": percentile(waits, 0.50),
        "e2e_p99_ms": percentile(waits, 0.99),
    }


def _rate_after(after: list[float], ended: float) -> float | None:
    if len(after) < MIN_AFTER:
        return None
    return len(after) / max(after[-1] - ended, 1e-9)
