"""
Run the benchmark: `uv run python bench/run.py` (`--smoke` for a quick check).

`--help` lists the options; bench/RESULTS.md says what each figure means.
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    # Started as a script, so the project root (home of `bench`) is not yet importable.
    sys.path[0] = str(ROOT)
    runpy.run_module("bench.cli", run_name="__main__", alter_sys=True)
