"""
Issue 6's targets for the kit, checked against a run's medians: met, or missed by how
much.

Ratios are to the bare endpoint in the same round. A benchmark report, never a test.
"""

from dataclasses import dataclass
from typing import Literal

from bench.summary import Summary
from bench.variants import KIT


@dataclass(frozen=True)
class Goal:
    """
    One target: a figure of the kit, its median or ratio, and the bound it must keep.
    """

    text: str
    key: str
    of: Literal["median", "ratio"]
    bound: float
    at_least: bool

    def verdict(self, summary: Summary) -> str:
        """
        "met", "missed by ...", or "not measured".
        """
        value = summary.get(KIT, {}).get(self.key, {}).get(self.of)
        if value is None:
            return "not measured"
        if value >= self.bound if self.at_least else value <= self.bound:
            return f"met ({_show(value, self.of)})"
        gap = self.bound - value if self.at_least else value - self.bound
        return f"MISSED by {_show(gap, self.of)} ({_show(value, self.of)})"


GOALS = (
    Goal("ingest, no callback >= 0.55x", "plain.rps", "ratio", 0.55, True),
    Goal("ingest, no callback: p99 <= 2x", "plain.p99_ms", "ratio", 2.0, False),
    Goal("ingest, fast receiver >= 0.40x", "fast.rps", "ratio", 0.40, True),
    Goal("ingest, 1-s receiver >= 0.40x", "slow.rps", "ratio", 0.40, True),
    Goal("ingest, 1-s receiver: p99 <= 3x", "slow.p99_ms", "ratio", 3.0, False),
    Goal("no loss, fast receiver", "fast.lost", "median", 0.0, False),
    Goal("no loss, 1-s receiver", "slow.lost_recovered", "median", 0.0, False),
    Goal("no loss, paced", "paced.lost", "median", 0.0, False),
    Goal("paced: >= 480 callbacks/s", "paced.during_cbps", "median", 480, True),
    Goal("paced: last callback <= 1 s", "paced.last_s", "median", 1.0, False),
    Goal("paced: POST p99 <= 6 ms", "paced.p99_ms", "median", 6.0, False),
    Goal("paced: 202 to ack p50 <= 10 ms", "paced.e2e_p50_ms", "median", 10, False),
    Goal("delivery after load >= 950/s", "fast.after_cbps", "median", 950, True),
    Goal("delivery during load > 160/s", "fast.during_cbps", "median", 160, True),
    Goal("peak RSS < 200 MB", "rss.peak_mb", "median", 200, False),
    Goal("pending deliveries add < 50 MB", "pending.added_mb", "median", 50, False),
)


def print_targets(summary: Summary) -> None:
    """
    Print each target with its verdict for the kit.
    """
    print("\ntargets of issue 6 (kit)")
    for goal in GOALS:
        print(f"  {goal.text:<38} {goal.verdict(summary)}")


def _show(value: float, of: str) -> str:
    return f"{value:.2f}x" if of == "ratio" else f"{value:.4g}"
