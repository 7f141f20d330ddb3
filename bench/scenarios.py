"""
One server under test, measured: warm it, then run each scenario against it.
"""

import asyncio
from dataclasses import dataclass

from bench import load_python, load_wrk
from bench.config import Config
from bench.load import LoadResult, Target
from bench.measures import (
    Figures,
    delivery_figures,
    ingest_figures,
    latency_figures,
)
from bench.processes import Fleet, Server
from bench.receivers import Receiver
from bench.variants import (
    KIT,
    kit_settle,
    kit_waiting,
    sends_callbacks,
    start_variant,
)

TAIL_CHARS = 3000


@dataclass(frozen=True)
class Scenario:
    """
    A load: flat out or paced, to the fast or the slow receiver, or without callback.
    """

    name: str
    receiver: str | None
    paced: bool = False


# Paced comes first, while nothing is queued; the slow receiver's backlog comes last.
SCENARIOS = (
    Scenario("plain", None),
    Scenario("paced", "fast", paced=True),
    Scenario("fast", "fast"),
    Scenario("slow", "slow"),
)


@dataclass(frozen=True)
class Subject:
    """
    A server under test in one round: its variant, and the label its ids start with.
    """

    server: Server
    variant: str
    label: str


def measure_variant(
    fleet: Fleet,
    variant: str,
    config: Config,
    receivers: dict[str, Receiver],
    label: str,
) -> Figures:
    """
    Start `variant` fresh, warm it, run every scenario, note its peak RSS, stop it.
    """
    subject = Subject(start_variant(fleet, variant, config.kit), variant, label)
    try:
        warm(subject.server, variant, config, receivers["fast"], label)
        figures: Figures = {}
        for scenario in SCENARIOS:
            receiver = receivers[scenario.receiver] if scenario.receiver else None
            figures |= _run(subject, scenario, config, receiver)
        figures["rss.peak_mb"] = subject.server.memory_mb()[1]
    finally:
        fleet.stop(subject.server)
    return figures


def warm(
    server: Server, variant: str, config: Config, receiver: Receiver, label: str
) -> None:
    """
    Load the server briefly, callbacks included, and let those callbacks arrive.
    """
    receiver.reset()
    target = Target(server.url, f"{label}-warm", receiver.callback_url)
    load = flat_out(target, config, config.sizes.warm)
    if sends_callbacks(variant):
        receiver.wait_for(load.accepted, config.sizes.drain_wait, config.sizes.stall)


def flat_out(
    target: Target, config: Config, duration: float, limit: int | None = None
) -> LoadResult:
    """
    Load flat out with the run's generator (the Python one when `limit` is set).
    """
    sizes = config.sizes
    if config.generator == "wrk" and limit is None:
        return load_wrk.flat_out(target, duration, sizes.connections, sizes.threads)
    return asyncio.run(load_python.flat_out(target, duration, sizes.connections, limit))


def _run(
    subject: Subject, scenario: Scenario, config: Config, receiver: Receiver | None
) -> Figures:
    prefix = f"{subject.label}-{scenario.name}"
    if subject.variant == KIT:
        kit_settle(subject.server, config.sizes.drain_wait)
    if receiver is not None:
        receiver.reset()
    callback_url = receiver.callback_url if receiver else None
    load = _load(Target(subject.server.url, prefix, callback_url), scenario, config)
    if load.rejected and not load.accepted:
        raise RuntimeError(f"{prefix}: every invoice refused:\n{_tail(subject.server)}")

    figures = ingest_figures(load)
    if receiver is not None and sends_callbacks(subject.variant):
        figures |= _deliveries(subject, scenario, config, receiver, load)
    _show_progress(subject.label, scenario.name, figures)
    return {f"{scenario.name}.{key}": value for key, value in figures.items()}


def _deliveries(
    subject: Subject,
    scenario: Scenario,
    config: Config,
    receiver: Receiver,
    load: LoadResult,
) -> Figures:
    prefix = f"{subject.label}-{scenario.name}"
    receiver.wait_for(load.accepted, config.sizes.drain_wait, config.sizes.stall)
    arrivals = receiver.arrivals()

    figures = delivery_figures(load, arrivals, prefix)
    if subject.variant == KIT:
        figures["queued"] = float(kit_waiting(subject.server, prefix + "-"))
    if scenario.paced:
        figures |= latency_figures(load, arrivals)
    if scenario.receiver == "slow":
        figures["lost_recovered"] = _recover(receiver, config, load)
    return figures


def _recover(receiver: Receiver, config: Config, load: LoadResult) -> float:
    """
    Let the slow receiver answer at once and count what never arrives even then.

    Late is not lost: a backlog held for a slow receiver must drain once it recovers.
    """
    receiver.set_delay(0.0)
    try:
        receiver.wait_for(load.accepted, config.sizes.drain_wait, config.sizes.stall)
        return float(max(0, load.accepted - receiver.distinct()))
    finally:
        receiver.set_delay(config.sizes.slow_delay)


def _load(target: Target, scenario: Scenario, config: Config) -> LoadResult:
    sizes = config.sizes
    if not scenario.paced:
        return flat_out(target, config, sizes.duration)
    return asyncio.run(
        load_python.paced(
            target, sizes.paced_duration, sizes.rate, sizes.paced_connections
        )
    )


def _tail(server: Server) -> str:
    return server.log.read_text("utf-8", "replace")[-TAIL_CHARS:]


def _show_progress(label: str, scenario: str, figures: Figures) -> None:
    shown = ", ".join(
        f"{key}={value:.4g}" for key, value in figures.items() if value is not None
    )
    print(f"[{label}] {scenario}: {shown}", flush=True)
