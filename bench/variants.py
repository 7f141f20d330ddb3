"""
The servers under test: the kit and the baselines, each started fresh on a free port.
"""

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench.processes import Fleet, Server, child_env

REFERENCE = "bare"
KIT = "kit"
BASELINES = ("await_inline", "background_tasks", "memory_queue")
VARIANTS = (REFERENCE, KIT, *BASELINES)
HEALTH = "/openapi.json"
UNSETTLED = (
    "SELECT (SELECT count(*) FROM invoices WHERE status = 'open') + "
    "(SELECT count(*) FROM deliveries WHERE status NOT IN ('delivered', 'failed'))"
)
SETTLE_POLL = 0.1
WAITING = (
    "SELECT count(*) FROM deliveries "
    "WHERE status NOT IN ('delivered', 'failed') AND invoice_id LIKE ?"
)


@dataclass(frozen=True)
class KitTuning:
    """
    The kit's delivery settings for the run.
    """

    concurrency: int
    per_host: int

    def env(self, database: Path) -> dict[str, str]:
        """
        `INVOICE_API_*` variables: loopback, a fresh database, payment at once.
        """
        settings = {
            "HOST": "127.0.0.1",
            "PORT": "{port}",
            "DATABASE_URL": f"sqlite:///{database}",
            "PAYMENT_DELAY": "0",
            "CONCURRENCY": str(self.concurrency),
            "PER_HOST": str(self.per_host),
            # The receivers listen on loopback, which the kit refuses unless listed.
            "CALLBACK_ALLOWLIST": "127.0.0.1:*",
        }
        return {f"INVOICE_API_{key}": value for key, value in settings.items()}


def sends_callbacks(variant: str) -> bool:
    """
    Whether the variant calls back at all (the bare endpoint does not).
    """
    return variant != REFERENCE


def start_variant(fleet: Fleet, variant: str, tuning: KitTuning) -> Server:
    """
    Start a fresh server of `variant`; the kit gets a database of its own.
    """
    if variant == KIT:
        env = child_env() | tuning.env(kit_database(fleet.workdir, "{port}"))
        return fleet.start(variant, ["-m", "invoice_api"], env, HEALTH)

    args = [
        *("-m", "uvicorn", f"bench.baselines.{variant}:app"),
        *("--host", "127.0.0.1", "--port", "{port}"),
        *("--no-access-log", "--log-level", "warning"),
    ]
    return fleet.start(variant, args, child_env(), HEALTH)


def kit_database(workdir: Path, port: str) -> Path:
    """
    Where the kit started on `port` keeps its SQLite database.
    """
    return workdir / f"kit-{port}.db"


def kit_waiting(server: Server, prefix: str = "") -> int:
    """
    How many callbacks of invoices named `prefix...` the kit still holds to send.
    """
    return _count(server, WAITING, (prefix + "%",))


def kit_settle(server: Server, max_wait: float) -> None:
    """
    Wait (at most `max_wait` s) until the kit has paid every invoice and sent every
    callback, so that a scenario does not pay for the one before it.
    """
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        if not _count(server, UNSETTLED):
            return
        time.sleep(SETTLE_POLL)
    print(f"[{server.name}] not settled after {max_wait:g} s; going on", flush=True)


def _count(server: Server, query: str, parameters: tuple[str, ...] = ()) -> int:
    # Read-only, beside the running kit: WAL lets it read while the kit writes.
    database = kit_database(server.log.parent, str(server.port))
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        (count,) = conn.execute(query, parameters).fetchone()
    return int(count)
