"""The collector on the wall clock: `collect_for` (what `mmwatch collect` runs, with its metrics endpoint),
and `run_on_wall_clock`, a fixed time measured: rows, request budgets, CPU.

Used by benchmarks/bench_collector.py (10 minutes) and by its short version in the
tests. The collector runs in this process (its CPU is this process's CPU time,
landing thread included); the simulator, when used, runs in its own process.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mmwatch.collector.collector import Collector
from mmwatch.collector.endpoint import MetricsEndpoint
from mmwatch.collector.gc_shadow import GcShadow
from mmwatch.collector.metrics import CollectorMetrics, LandingStats
from mmwatch.collector.sinks import LandingSink, Sink
from mmwatch.config import CollectionConfig
from mmwatch.errors import ConfigError
from mmwatch.settings import DataDir

log = logging.getLogger(__name__)


@dataclass
class WallRun:
    """What a timed collector run did."""

    seconds: float
    cpu_seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    budget_lines: list[str] = field(default_factory=list)
    peak_budget_share: dict[str, float] = field(default_factory=dict)
    errors_by_venue: dict[str, int] = field(default_factory=dict)

    @property
    def cpu_share(self) -> float:
        """Average share of one core the collector used."""
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Monitoring:
    """The collector's /metrics and /health endpoint: where it listens, when it turns unhealthy, and
    the landing sink's observer it reads (pass the same `stats` to LandingSink)."""

    stats: LandingStats
    host: str = "127.0.0.1"
    port: int = 9108
    health_after_s: float = 120
    others: Callable[[], dict[str, dict]] | None = None  # the other processes' /health bodies (processes: N)


async def collect_for(config: CollectionConfig, sink: Sink, simulator_url: str | None,
                      duration_s: float | None, monitoring: Monitoring | None = None,
                      simulator_ws_url: str | None = None, progress_s: float = 60,
                      own_process: bool = False) -> Collector:
    """Run the collector on the wall clock into `sink` for `duration_s` seconds (None: until
    cancelled, e.g. by Ctrl-C); the ccxt sessions are closed whatever happens. With `monitoring`,
    the metrics endpoint serves from before the markets load until the collector has stopped;
    `simulator_ws_url`: the simulator's WebSocket base URL (venues in mode stream); `progress_s`: seconds
    between the progress lines per venue; `own_process`: the process is the collector's own, so its
    garbage collector is tuned for it once the markets are loaded (gc_shadow.GcShadow)."""
    collector = Collector(config, sink, simulator_url=simulator_url, simulator_ws_url=simulator_ws_url)
    collector.progress_s = progress_s
    endpoint = shadow = shadow_task = None
    if monitoring is not None:
        metrics = CollectorMetrics(collector, monitoring.stats, monitoring.health_after_s,
                                   others=monitoring.others)
        try:
            endpoint = MetricsEndpoint(metrics, monitoring.host, monitoring.port).start()
        except ConfigError as error:  # collecting matters more than being watched: say so loudly, go on
            log.error("%s; collecting without metrics and health endpoint", error)
    try:
        await collector.start()
        if own_process:
            shadow = GcShadow(_grid_ms(config)).install()
            shadow_task = asyncio.create_task(shadow.run())
        await collector.run_forever(duration_s)
    finally:
        if shadow_task is not None:
            shadow_task.cancel()
        if shadow is not None:
            shadow.uninstall()
        try:
            await collector.close()
        finally:
            if endpoint is not None:
                endpoint.stop()
    return collector


def _grid_ms(config: CollectionConfig) -> int | None:
    """The grid of the full collections: the longest of the streamed venues' sample periods (None:
    nothing streamed). Its instants are every sampler's instants when the shorter periods divide it
    (1000 and 500, say); otherwise a collection may fall near another venue's sample."""
    periods = [venue.sample_every_ms for venue in config.exchanges.values() if venue.mode == "stream"]
    return max(periods) if periods else None


def run_on_wall_clock(config: CollectionConfig, data_dir: DataDir, duration_s: float,
                      simulator_url: str | None = None) -> WallRun:
    """Collect for `duration_s` seconds of wall time into `data_dir`'s landing zone."""
    sink = LandingSink(data_dir)
    cpu_before, wall_before = os.times(), time.perf_counter()
    collector = asyncio.run(collect_for(config, sink, simulator_url, duration_s))
    cpu_after, seconds = os.times(), time.perf_counter() - wall_before
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return WallRun(
        seconds, cpu, dict(sink.rows), dict(collector.requests),
        [budget.report() for budget in collector.budgets.values()],
        {venue: budget.peak()[1] for venue, budget in collector.budgets.items()},
        {venue: collector.counts[(venue, "errors")] for venue in collector.budgets},
    )
