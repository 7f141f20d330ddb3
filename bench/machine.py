"""
What the figures were measured on: machine, load, versions, command and settings.
"""

import os
import platform
import shlex
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.config import Config
from bench.load_wrk import wrk_version

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "httpx",
    "sqlalchemy",
    "aiohttp",
)


def describe(config: Config, load_at_start: float, elapsed: float) -> dict[str, object]:
    """
    The run's context, for the report's header and the JSON file.
    """
    return {
        "command": "uv run python bench/run.py " + shlex.join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average_at_start": round(load_at_start, 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in PACKAGES},
        "generator": config.generator,
        "wrk": wrk_version(),
        "kit": asdict(config.kit),
        "sizes": asdict(config.sizes),
        "smoke": config.smoke,
        "elapsed_s": round(elapsed, 1),
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    # uvloop is not installed on Windows.
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"
