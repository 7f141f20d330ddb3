"""
Flat-out load with wrk (Debian package `wrk`), driven by `post_invoice.lua`.
"""

import json
import math
import shutil
import subprocess
import time
from pathlib import Path

from bench.load import REQUEST_TIMEOUT, LoadResult, Target
from bench.processes import die_with_parent

SCRIPT = str(Path(__file__).with_name("post_invoice.lua"))
INSTALL_HINT = "install it with: sudo apt-get install wrk"
MARKER = "BENCH_JSON "


def wrk_path() -> str | None:
    """
    The wrk executable on PATH, or None.
    """
    return shutil.which("wrk")


def wrk_version() -> str | None:
    """
    wrk's own version line, or None without wrk.
    """
    path = wrk_path()
    if path is None:
        return None
    # `wrk -v` prints its version and usage, and exits 1.
    shown = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
    first = (shown.stdout or shown.stderr).splitlines()[0]
    return first.partition(" Copyright")[0].strip()


def flat_out(
    target: Target, duration: float, connections: int, threads: int
) -> LoadResult:
    """
    Run wrk for `duration` s (whole seconds, at least 1) with `connections`.
    """
    path = wrk_path()
    if path is None:
        raise RuntimeError(f"wrk is not installed; {INSTALL_HINT}")
    seconds = max(1, math.ceil(duration))
    command = [
        *(path, f"-t{min(threads, connections)}", f"-c{connections}"),
        *(f"-d{seconds}s", f"--timeout={REQUEST_TIMEOUT:g}s", "-s", SCRIPT),
        *(target.base_url + "/invoices/", "--", target.prefix),
        target.query.removeprefix("?callback_url="),
    ]
    finished = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + REQUEST_TIMEOUT + 30,
        process_group=0,
        preexec_fn=die_with_parent,
        check=False,
    )
    return _parse(finished, time.time())


def _parse(finished: subprocess.CompletedProcess[str], ended: float) -> LoadResult:
    lines = [line for line in finished.stdout.splitlines() if line.startswith(MARKER)]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr}")

    report = json.loads(lines[-1].removeprefix(MARKER))
    rejected = report["completed"] - report["accepted"]
    # With no request completed, wrk's percentiles are zeros that mean nothing.
    answered = report["completed"] > 0
    return LoadResult(
        generator="wrk",
        started=ended - report["duration_us"] / 1e6,
        ended=ended,
        sent=report["sent"],
        accepted=report["accepted"],
        rejected=rejected,
        errors=rejected + report["socket_errors"],
        p50_ms=report["p50_us"] / 1000 if answered else None,
        p99_ms=report["p99_us"] / 1000 if answered else None,
    )
