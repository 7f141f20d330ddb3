"""
The benchmark command: options, rounds, report; every child stopped however it ends.

Run it as `uv run python bench/run.py [--smoke] [options]`; `--help` lists the options.
"""

import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from bench.config import Config, parse_config
from bench.load_wrk import INSTALL_HINT
from bench.machine import describe
from bench.processes import Fleet
from bench.report import print_report, write_json
from bench.rounds import run_rounds
from bench.summary import summarise
from bench.targets import print_targets


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark; 0 when it completed, 130 when interrupted.
    """
    config = parse_config(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    _announce(config)
    load_at_start, started = os.getloadavg()[0], time.monotonic()

    with tempfile.TemporaryDirectory(prefix="invoice-bench-") as workdir:
        try:
            with Fleet(Path(workdir)) as fleet:
                rounds = run_rounds(config, fleet)
        except KeyboardInterrupt:
            print("interrupted: every server has been stopped", file=sys.stderr)
            return 130

        meta = describe(config, load_at_start, time.monotonic() - started)
        summary = summarise(rounds, config.variants)
        print_report(summary, meta)
        print_targets(summary)
        write_json(
            config.output or Path(workdir) / "results.json", meta, rounds, summary
        )
    return 0


def _announce(config: Config) -> None:
    if config.generator == "python":
        print(f"wrk not used: Python load generator ({INSTALL_HINT})", flush=True)
    mode = "smoke run" if config.smoke else "full run"
    print(f"{mode}: {', '.join(config.variants)}; {config.sizes}", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM ends the run like Ctrl+C does, so every child is stopped on the way out.
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
