"""
The kit's memory with many deliveries pending at a receiver that is not there.
"""

import time

from bench.config import Config
from bench.load import Target
from bench.measures import Figures
from bench.processes import Fleet, free_port
from bench.receivers import Receiver
from bench.scenarios import flat_out, warm
from bench.variants import KIT, kit_waiting, start_variant

# Time for the dispatcher to take its first look at the last invoices.
SETTLE = 2.0


def measure_pending(
    fleet: Fleet, config: Config, receiver: Receiver, label: str
) -> Figures:
    """
    Post `pending` invoices whose callback URL refuses connections; RSS before, after.
    """
    sizes = config.sizes
    server = start_variant(fleet, KIT, config.kit)
    try:
        warm(server, KIT, config, receiver, label)
        before, _ = server.memory_mb()
        dead = f"http://127.0.0.1:{free_port()}/callback"
        target = Target(server.url, f"{label}-pending", dead)
        load = flat_out(target, config, sizes.pending_timeout, limit=sizes.pending)
        time.sleep(SETTLE)
        after, peak = server.memory_mb()
        waiting = kit_waiting(server)
    finally:
        fleet.stop(server)

    print(f"[{label}] pending: {waiting} waiting, RSS {after:.1f} MB", flush=True)
    return {
        "pending.count": float(waiting),
        "pending.rps": load.rate,
        "pending.rss_mb": after,
        "pending.added_mb": after - before,
        "pending.peak_mb": peak,
    }
