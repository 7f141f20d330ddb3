"""
The benchmark's smoke mode: every variant started, loaded, counted and reported.
"""

import json
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ("bare", "kit", "await_inline", "background_tasks", "memory_queue")
TIME_BOUND = 100.0


@dataclass(frozen=True)
class Run:
    """
    A finished run of a bench script: exit code, its text, and the file it wrote.
    """

    returncode: int
    stdout: str
    stderr: str
    output: Path


def run_bench(script: str, *args: str, output: Path) -> Run:
    """
    Run `bench/<script>` with a time bound; on timeout stop it as Ctrl+C would.
    """
    process = subprocess.Popen(
        [sys.executable, f"bench/{script}", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIME_BOUND)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the benchmark stop every server it started.
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(f"bench/{script} ran over {TIME_BOUND} s:\n{stdout}\n{stderr}")
    return Run(process.returncode, stdout, stderr, output)


def figure_lines(stdout: str, variant: str) -> list[tuple[str, str]]:
    """
    The value and ratio of each report line for `variant`.
    """
    pattern = rf"^  {variant} +(n/a|-?[0-9.e+-]+) +(n/a|-?[0-9.]+x)$"
    return re.findall(pattern, stdout, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """
    One smoke run of the benchmark, shared by the tests of this module.
    """
    results = tmp_path_factory.mktemp("bench") / "results.json"
    return run_bench("run.py", "--smoke", "--output", str(results), output=results)


def test_run_smoke_benchmark(smoke_run: Run) -> None:
    """
    The smoke run exits 0 and prints figure lines for every variant.
    """
    printed = {
        variant for variant in VARIANTS if figure_lines(smoke_run.stdout, variant)
    }

    assert smoke_run.returncode == 0, smoke_run.stderr[-3000:]
    assert printed == set(VARIANTS), smoke_run.stdout


def test_write_results_smoke_benchmark(smoke_run: Run) -> None:
    """
    The smoke run writes its figures as JSON, a summary for every variant.
    """
    document = json.loads(smoke_run.output.read_text(encoding="utf-8"))

    assert document["meta"]["smoke"] is True
    assert set(document["summary"]) == set(VARIANTS)


def test_plot_smoke_results(smoke_run: Run, tmp_path: Path) -> None:
    """
    bench/plot.py turns the smoke run's JSON into a PNG.
    """
    image = tmp_path / "results.png"

    plotted = run_bench("plot.py", str(smoke_run.output), str(image), output=image)

    assert plotted.returncode == 0, plotted.stderr
    assert image.read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_run_smoke_benchmark_with_wrk(tmp_path: Path) -> None:
    """
    With wrk installed, a smoke run loads the bare endpoint through wrk.
    """
    results = tmp_path / "results.json"

    run = run_bench(
        "run.py",
        "--smoke",
        "--generator",
        "wrk",
        "--variants",
        "bare",
        "--output",
        str(results),
        output=results,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    assert figure_lines(run.stdout, "bare")
    assert json.loads(results.read_text(encoding="utf-8"))["meta"]["generator"] == "wrk"
