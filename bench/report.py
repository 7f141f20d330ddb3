"""
The report: a header saying what was measured, one line per variant and figure, JSON.
"""

import json
from pathlib import Path

from bench.measures import Figures
from bench.summary import FIGURES, Summary


def print_report(summary: Summary, meta: dict[str, object]) -> None:
    """
    Print every figure measured, grouped by figure, with its ratio to bare.
    """
    print()
    print("== invoice-callback-kit benchmark ==")
    for key in ("command", "date", "cpu", "cores", "load_average_at_start"):
        print(f"{key}: {meta[key]}")
    wrk = f" ({meta['wrk']})" if meta["generator"] == "wrk" else ""
    print(f"generator: {meta['generator']}{wrk}")
    print(f"kit: {meta['kit']}  sizes: {meta['sizes']}")
    print("values: median over rounds; ratio: median of value / bare, same round")

    for figure in FIGURES:
        rows = [
            (variant, found[figure.key])
            for variant, found in summary.items()
            if figure.key in found
        ]
        if not rows:
            continue
        print(f"\n{figure.label} ({figure.unit})")
        for variant, cell in rows:
            value, ratio = _number(cell["median"]), _ratio(cell["ratio"])
            print(f"  {variant:<18} {value:>10} {ratio:>9}")


def write_json(
    path: Path,
    meta: dict[str, object],
    rounds: list[dict[str, Figures]],
    summary: Summary,
) -> None:
    """
    Write everything measured, per round and summarised, for `bench/plot.py`.
    """
    figures = [vars(figure) for figure in FIGURES]
    document = {"meta": meta, "figures": figures, "rounds": rounds, "summary": summary}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"
