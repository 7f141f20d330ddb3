"""
The benchmark's options: sizes of the full run and of the smoke run, and the choices.
"""

import argparse
from dataclasses import dataclass, fields, replace
from pathlib import Path

from bench.load_wrk import INSTALL_HINT, wrk_path
from bench.processes import ROOT
from bench.variants import REFERENCE, VARIANTS, KitTuning

DEFAULT_OUTPUT = ROOT / "bench" / "results.json"


@dataclass(frozen=True)
class Sizes:
    """
    How much load, for how long, and how long to wait for callbacks; times in seconds.
    """

    rounds: int
    duration: float
    connections: int
    threads: int
    warm: float
    rate: float
    paced_duration: float
    paced_connections: int
    slow_delay: float
    drain_wait: float
    stall: float
    pending: int
    pending_timeout: float


FULL = Sizes(3, 10.0, 32, 2, 2.0, 500.0, 10.0, 64, 1.0, 30.0, 8.0, 50_000, 900.0)
SMOKE = Sizes(1, 0.3, 4, 2, 0.2, 40.0, 0.3, 8, 0.1, 3.0, 1.5, 30, 30.0)


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
    parser.add_argument("--smoke", action="store_true", help="a few seconds, tiny load")
    for size in fields(Sizes):
        kind = int if size.type is int else float
        name = "--" + size.name.replace("_", "-")
        parser.add_argument(name, type=kind, help=f"default {getattr(FULL, size.name)}")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk if installed, except in a smoke run",
    )
    parser.add_argument("--kit-concurrency", type=int, default=32)
    parser.add_argument("--kit-per-host", type=int, default=8)
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
