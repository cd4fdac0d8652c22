"""The streaming collector in this process against a running simulator (wall clock), into a real landing
zone, with simulator actions (stream faults) at set seconds of the run; and its truth checks: a landed
book against the simulator's book at the row's update id (tests/ is on sys.path)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable

import polars as pl
from prometheus_client import generate_latest

from collect_harness import landed
from mmwatch.collector.collector import Collector
from mmwatch.collector.metrics import CollectorMetrics, LandingStats
from mmwatch.collector.sinks import LandingSink
from mmwatch.config import parse_config
from mmwatch.settings import DataDir
from simulator.streams import book_at_update


@dataclass
class StreamRun:
    """What a streamed run landed, and the collector (counters, mode changes, /metrics text)."""

    collector: Collector
    books: pl.DataFrame
    errors: pl.DataFrame
    trades: pl.DataFrame
    metrics_text: str

    def samples(self, venue: str, symbol: str) -> pl.DataFrame:
        """One market's landed books, oldest first."""
        return self.books.filter((pl.col("exchange") == venue) & (pl.col("symbol") == symbol)).sort("received_ts")

    def out_of_sync(self, venue: str, symbol: str) -> list[dict]:
        """One market's StreamOutOfSync rows as {cause, unsynced_ms, from, to}."""
        if self.errors.is_empty():
            return []
        rows = self.errors.filter((pl.col("exchange") == venue) & (pl.col("symbol") == symbol)
                                  & (pl.col("error_class") == "StreamOutOfSync")).sort("received_ts")
        return [dict(part.split("=", 1) for part in message.split()) for message in rows["message"]]


def run_streaming(sim, exchanges: dict, data_dir: DataDir, seconds: float,
                  actions: list[tuple[float, Callable[[], object]]] = ()) -> StreamRun:
    """Collect `exchanges` (collection-config venues) for `seconds` of wall time; `actions`: (second of the
    run, call) run off the event loop (HTTP calls to the simulator)."""
    config = parse_config({"simulator_url": sim.url, "simulator_ws_url": sim.ws_url(), "exchanges": exchanges})
    stats = LandingStats()
    sink = LandingSink(data_dir, flush_s=5, observer=stats)

    async def run() -> tuple[Collector, CollectorMetrics]:
        collector = Collector(config, sink)
        metrics = CollectorMetrics(collector, stats)
        await collector.start()

        async def act():
            loop = asyncio.get_running_loop()
            started = loop.time()
            for at_s, call in sorted(actions, key=lambda action: action[0]):
                await asyncio.sleep(max(0.0, started + at_s - loop.time()))
                await loop.run_in_executor(None, call)

        acting = asyncio.create_task(act())
        try:
            await collector.run_forever(seconds)
            await acting
        finally:
            await collector.close()
        return collector, metrics

    collector, metrics = asyncio.run(run())
    return StreamRun(collector, landed(data_dir, "orderbooks"), landed(data_dir, "fetch_errors"),
                     landed(data_dir, "trades"), generate_latest(metrics.registry).decode())


def equals_truth(world, row: dict, levels: int) -> bool:
    """True when a landed book's levels are the simulator's book at the row's nonce (top `levels` a side)."""
    truth = book_at_update(world, row["exchange"], row["symbol"], row["nonce"])
    bids = [(level["price"], level["amount"]) for level in row["bids"]]
    asks = [(level["price"], level["amount"]) for level in row["asks"]]
    return bids == truth.bids[:levels] and asks == truth.asks[:levels]
