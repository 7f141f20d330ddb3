"""
Which figures the report shows, against which bare figure each is a ratio, and medians.
"""

import statistics
from dataclasses import dataclass

from bench.measures import Figures
from bench.variants import REFERENCE

Summary = dict[str, dict[str, dict[str, float | None]]]


@dataclass(frozen=True)
class Figure:
    """
    A figure of the report: its key, what it means, its unit, and its ratio's basis.

    `basis` is the key of the bare endpoint's figure (same round) it is divided by;
    None for counts and times that the bare endpoint has no counterpart for.
    """

    key: str
    label: str
    unit: str
    basis: str | None


def _ingest(name: str, title: str) -> list[Figure]:
    return [
        Figure(f"{name}.rps", title, "invoices/s", f"{name}.rps"),
        Figure(f"{name}.p50_ms", f"{title}: POST p50", "ms", f"{name}.p50_ms"),
        Figure(f"{name}.p99_ms", f"{title}: POST p99", "ms", f"{name}.p99_ms"),
        Figure(f"{name}.errors", f"{title}: failed POSTs", "count", None),
    ]


def _delivery(name: str, title: str, rate_basis: str) -> list[Figure]:
    return [
        Figure(
            f"{name}.during_cbps", f"{title}: callbacks/s during load", "/s", rate_basis
        ),
        Figure(
            f"{name}.after_cbps", f"{title}: callbacks/s after load", "/s", rate_basis
        ),
        Figure(f"{name}.last_s", f"{title}: last callback after last 202", "s", None),
        Figure(f"{name}.lost", f"{title}: not arrived after the wait", "count", None),
        Figure(f"{name}.queued", f"{title}: still in the kit's outbox", "count", None),
    ]


FIGURES = (
    *_ingest("plain", "ingest, no callback_url"),
    *_ingest("fast", "ingest, fast receiver"),
    *_delivery("fast", "fast receiver", "plain.rps"),
    *_ingest("slow", "ingest, slow receiver"),
    *_delivery("slow", "slow receiver", "plain.rps"),
    Figure(
        "slow.lost_recovered",
        "slow receiver: not arrived once it answers at once",
        "count",
        None,
    ),
    *_ingest("paced", "paced ingest"),
    *_delivery("paced", "paced", "paced.rps"),
    Figure("paced.e2e_p50_ms", "paced: 202 to receiver ack, p50", "ms", "paced.p50_ms"),
    Figure("paced.e2e_p99_ms", "paced: 202 to receiver ack, p99", "ms", "paced.p99_ms"),
    Figure("rss.peak_mb", "peak RSS (VmHWM)", "MB", "rss.peak_mb"),
    Figure("pending.count", "deliveries pending, dead receiver", "count", None),
    Figure("pending.rss_mb", "RSS with those pending", "MB", "rss.peak_mb"),
    Figure("pending.added_mb", "RSS added by those pending", "MB", None),
)


def summarise(rounds: list[dict[str, Figures]], variants: tuple[str, ...]) -> Summary:
    """
    For each variant and figure measured: the median over rounds, and the median of
    its per-round ratios to the bare endpoint.
    """
    summary: Summary = {}
    for variant in variants:
        summary[variant] = {}
        for figure in FIGURES:
            values = [found[variant].get(figure.key) for found in rounds]
            if all(value is None for value in values):
                continue
            ratios = [_ratio(found, variant, figure) for found in rounds]
            summary[variant][figure.key] = {
                "median": _median(values),
                "ratio": _median(ratios),
            }
    return summary


def _ratio(found: dict[str, Figures], variant: str, figure: Figure) -> float | None:
    value = found[variant].get(figure.key)
    basis = found[REFERENCE].get(figure.basis) if figure.basis else None
    if value is None or not basis:
        return None
    return value / basis


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None
