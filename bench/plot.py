"""
Plot a run: `uv run python bench/plot.py [bench/results.json] [bench/results.png]`.

Two panels, one group of bars per variant: throughput (invoices/s and callbacks/s)
and p99 of the POST (ms, log scale). Values are the run's medians over rounds.
"""

import json
import math
import sys
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

HERE = Path(__file__).resolve().parent
THROUGHPUT = (
    ("plain.rps", "ingest, no callback"),
    ("fast.rps", "ingest, fast receiver"),
    ("slow.rps", "ingest, slow receiver"),
    ("fast.after_cbps", "callbacks/s after load"),
    ("paced.during_cbps", "callbacks/s, paced"),
)
P99 = (
    ("plain.p99_ms", "no callback"),
    ("fast.p99_ms", "fast receiver"),
    ("slow.p99_ms", "slow receiver"),
    ("paced.p99_ms", "paced"),
)


def plot(results: dict[str, Any], output: Path) -> None:
    """
    Draw both panels from a results document and save them as a PNG.
    """
    summary: dict[str, dict[str, dict[str, float | None]]] = results["summary"]
    meta = results["meta"]
    figure = Figure(figsize=(11, 8), layout="constrained")
    top, bottom = figure.subplots(2, 1)

    _bars(top, summary, THROUGHPUT, "per second (median)")
    _bars(bottom, summary, P99, "POST p99, ms (median, log scale)")
    bottom.set_yscale("log")
    smoke = " (smoke run: not a measurement)" if meta["smoke"] else ""
    figure.suptitle(
        f"invoice-callback-kit benchmark{smoke}, {meta['date']}: {meta['cores']} "
        f"cores, {meta['generator']}, {meta['sizes']['rounds']} rounds"
    )
    figure.savefig(output, dpi=100)


def _bars(
    axes: Axes,
    summary: dict[str, dict[str, dict[str, float | None]]],
    series: tuple[tuple[str, str], ...],
    ylabel: str,
) -> None:
    variants = list(summary)
    width = 0.8 / len(series)
    for index, (key, label) in enumerate(series):
        heights = [_median(summary[variant], key) for variant in variants]
        places = [
            spot + (index - (len(series) - 1) / 2) * width
            for spot in range(len(variants))
        ]
        axes.bar(places, heights, width, label=label)
    axes.set_xticks(range(len(variants)), variants)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _median(found: dict[str, dict[str, float | None]], key: str) -> float:
    # A figure not measured, or not positive (log scale), draws no bar.
    value = found.get(key, {}).get("median")
    return value if value is not None and value > 0 else math.nan


def main() -> None:
    """
    Read the JSON written by bench/run.py and write the PNG.
    """
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json"
    output = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "results.png"
    plot(json.loads(source.read_text(encoding="utf-8")), output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
