"""
The benchmark's options: sizes of the full run and of the smoke run, and the choices.
"""

import argparse
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from bench.load_wrk import INSTALL_HINT, wrk_path
from bench.processes import ROOT
from bench.variants import REFERENCE, VARIANTS, KitTuning

DEFAULT_OUTPUT = ROOT / "bench" / "results.json"


def _about(text: str) -> Any:
    return field(metadata={"help": text})


@dataclass(frozen=True)
class Sizes:
    """
    How much load, for how long, and how long to wait for callbacks; times in seconds.
    """

    rounds: int = _about("interleaved rounds; figures are medians over them")
    duration: float = _about("seconds of each flat-out load")
    connections: int = _about("connections of the flat-out load")
    threads: int = _about("wrk threads")
    warm: float = _about("seconds of warm-up load after each start")
    rate: float = _about("invoices/s of the paced load")
    paced_duration: float = _about("seconds of the paced load")
    paced_connections: int = _about("connections of the paced load")
    slow_delay: float = _about("seconds the slow receiver takes over each callback")
    drain_wait: float = _about("longest wait for the callbacks after a load")
    stall: float = _about("stop waiting once nothing arrived for this long")
    pending: int = _about("invoices left pending at a dead receiver (0: skip)")
    pending_timeout: float = _about("longest time to post them")


FULL = Sizes(
    rounds=3,
    duration=10.0,
    connections=32,
    threads=2,
    warm=2.0,
    rate=500.0,
    paced_duration=10.0,
    paced_connections=64,
    slow_delay=1.0,
    drain_wait=30.0,
    stall=8.0,
    pending=50_000,
    pending_timeout=900.0,
)
# Every code path once, in about 20 s; the figures mean nothing.
SMOKE = replace(
    FULL,
    rounds=1,
    duration=0.3,
    connections=4,
    warm=0.2,
    rate=40.0,
    paced_duration=0.3,
    paced_connections=8,
    slow_delay=0.1,
    drain_wait=3.0,
    stall=1.5,
    pending=30,
    pending_timeout=30.0,
)


@dataclass(frozen=True)
class Config:
    """
    Everything one run needs to know.
    """

    sizes: Sizes
    generator: str
    kit: KitTuning
    variants: tuple[str, ...]
    output: Path | None
    smoke: bool


def parse_config(argv: list[str] | None = None) -> Config:
    """
    Read the command line; sizes not given come from the full or the smoke preset.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    preset = SMOKE if args.smoke else FULL
    given = {
        size.name: getattr(args, size.name)
        for size in fields(Sizes)
        if getattr(args, size.name) is not None
    }
    return Config(
        sizes=replace(preset, **given),
        generator=_generator(parser, args.generator, args.smoke),
        kit=KitTuning(args.kit_concurrency, args.kit_per_host),
        variants=_variants(parser, args.variants),
        output=args.output or (None if args.smoke else DEFAULT_OUTPUT),
        smoke=args.smoke,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark the kit beside the baselines; figures as ratios to "
        f"the bare endpoint. Uses wrk if installed ({INSTALL_HINT}).",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="about 20 s of tiny loads: checks that every part works",
    )
    for size in fields(Sizes):
        kind = int if size.type is int else float
        name = "--" + size.name.replace("_", "-")
        default = getattr(FULL, size.name)
        parser.add_argument(
            name, type=kind, help=f"{size.metadata['help']} (default {default})"
        )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk if installed, except in a smoke run",
    )
    parser.add_argument(
        "--kit-concurrency", type=int, default=32, help="INVOICE_API_CONCURRENCY"
    )
    parser.add_argument(
        "--kit-per-host", type=int, default=8, help="INVOICE_API_PER_HOST"
    )
    parser.add_argument(
        "--variants", help=f"comma-separated, from {','.join(VARIANTS)}"
    )
    parser.add_argument("--output", type=Path, help=f"default {DEFAULT_OUTPUT}")
    return parser


def _generator(parser: argparse.ArgumentParser, choice: str, smoke: bool) -> str:
    # A smoke run behaves the same with or without wrk unless told to use it.
    if choice == "auto":
        return "wrk" if wrk_path() and not smoke else "python"
    if choice == "wrk" and wrk_path() is None:
        parser.error(f"--generator wrk: wrk is not installed; {INSTALL_HINT}")
    return choice


def _variants(parser: argparse.ArgumentParser, chosen: str | None) -> tuple[str, ...]:
    if chosen is None:
        return VARIANTS
    names = {name.strip() for name in chosen.split(",") if name.strip()}
    unknown = names - set(VARIANTS)
    if unknown:
        parser.error(f"--variants: unknown {', '.join(sorted(unknown))}")
    # The bare endpoint is the reference of every ratio, so it always runs.
    return tuple(name for name in VARIANTS if name in names | {REFERENCE})
