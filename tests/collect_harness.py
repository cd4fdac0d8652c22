"""Helpers: run the collector in virtual time against a simulator and read the landing zone (shared by
the collector and fault tests; tests/ is on sys.path)."""
from __future__ import annotations

import asyncio

import polars as pl

from mmwatch.collector.collector import Collector
from mmwatch.collector.sinks import LandingSink
from mmwatch.config import CollectionConfig, parse_config
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir


def all_markets_config(scenario, levels: int = 100, **venue_overrides) -> CollectionConfig:
    """Every market of the scenario, books of `levels` levels and trades every 10 s."""
    exchanges = {venue_id: {"markets": [m.symbol for m in venue.markets], "orderbook_levels": levels,
                            **venue_overrides.get(venue_id, {})}
                 for venue_id, venue in scenario.venues.items()}
    return parse_config({"exchanges": exchanges})


def collect_cycles(sim, config: CollectionConfig, data_dir: DataDir, start_ms: int, cycles: int,
                   step_ms: int = 10_000, before_cycle=None, background: bool = True) -> Collector:
    """Run the collector in virtual time: set the simulator's clock, then one cycle, `cycles` times.
    `background=False` writes landing files in the fetch loop's thread, for tests that need each tick's
    writes done before the next cycle."""
    async def run() -> Collector:
        collector = Collector(config, LandingSink(data_dir, background=background), clock=lambda: start_ms,
                              simulator_url=sim.url, virtual_time=True, trades_since_ms=start_ms)
        sim.set_clock(start_ms)
        await collector.start()
        try:
            for index, t_ms in enumerate(range(start_ms, start_ms + cycles * step_ms, step_ms)):
                if before_cycle:
                    before_cycle(index, t_ms)
                sim.set_clock(t_ms)
                await collector.run_cycle(t_ms)
        finally:
            await collector.close()
        return collector

    return asyncio.run(run())


def landed(data_dir: DataDir, dataset: str) -> pl.DataFrame:
    """Every landing row of a data set."""
    files = list_landing(data_dir, dataset)
    return pl.concat([pl.read_parquet(f.path) for f in files], how="diagonal_relaxed") if files else pl.DataFrame()
