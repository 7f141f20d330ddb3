"""
The interleaved rounds: every variant once per round, in a rotating order.
"""

from bench.config import Config
from bench.measures import Figures
from bench.pending import measure_pending
from bench.processes import Fleet
from bench.receivers import Receiver, start_receiver
from bench.scenarios import measure_variant
from bench.variants import KIT

Round = dict[str, Figures]


def run_rounds(config: Config, fleet: Fleet) -> list[Round]:
    """
    Measure each variant once per round; the pending-memory run ends the last round.
    """
    receivers = {
        "fast": start_receiver(fleet, "receiver-fast", 0.0),
        "slow": start_receiver(fleet, "receiver-slow", config.sizes.slow_delay),
    }
    try:
        rounds = [_run_round(config, fleet, receivers, n) for n in _numbers(config)]
        if config.sizes.pending and KIT in config.variants:
            label = f"r{len(rounds)}-{KIT}"
            rounds[-1][KIT] |= measure_pending(fleet, config, receivers["fast"], label)
    finally:
        for receiver in receivers.values():
            receiver.close()
    return rounds


def _numbers(config: Config) -> range:
    return range(1, config.sizes.rounds + 1)


def _run_round(
    config: Config, fleet: Fleet, receivers: dict[str, Receiver], number: int
) -> Round:
    print(f"[round {number}/{config.sizes.rounds}]", flush=True)
    shift = (number - 1) % len(config.variants)
    order = config.variants[shift:] + config.variants[:shift]
    return {
        variant: measure_variant(
            fleet, variant, config, receivers, f"r{number}-{variant}"
        )
        for variant in order
    }
