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
from simulator.trades import trades_between


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


def truth_at(world, venue: str, symbol: str, nonce: int):
    """The simulator's book at a venue's update id (KuCoin futures: its per-change sequence)."""
    if venue == "kucoinfutures":
        from simulator.streams.dialects.kucoinfutures import book_at_sequence

        return book_at_sequence(world, symbol, nonce)
    return book_at_update(world, venue, symbol, nonce)


def truth_trade_ids(world, venue: str, symbol: str, landed_trades: pl.DataFrame) -> list[str]:
    """The simulator's trade ids from the first landed trade to the last, oldest first.

    Trade ids are contiguous in time order, so this is every trade the window holds; a trade that shares
    the last landed one's millisecond but was printed after it is past the window, not lost (the run
    stopped between the two messages)."""
    ts, ids = landed_trades["exchange_ts"], [int(i) for i in landed_trades["trade_id"]]
    first, last = min(ids), max(ids)
    return [str(t.id) for t in trades_between(world.market(venue, symbol), ts.min(), ts.max(), 100_000)
            if first <= t.id <= last]


def equals_truth(world, row: dict, levels: int) -> bool:
    """True when a landed book's levels are the simulator's book at the row's nonce (top `levels` a side)."""
    truth = truth_at(world, row["exchange"], row["symbol"], row["nonce"])
    bids = [(level["price"], level["amount"]) for level in row["bids"]]
    asks = [(level["price"], level["amount"]) for level in row["asks"]]
    return bids == truth.bids[:levels] and asks == truth.asks[:levels]


def check_fault(run: StreamRun, log: list[dict], venue: str, symbol: str, fault: str, cause: str,
                fault_id_of: Callable[[dict], int] = lambda entry: entry["update_id"]) -> None:
    """The fault `fault` logged by the simulator on (venue, symbol) shows in `run` as an out-of-sync
    interval of `cause` noticed after the fault, with no sample inside it, only books from before the
    broken update between the fault and its notice, and samples of newer books after it."""
    hits = [e for e in log if e["venue"] == venue and e["fault"] == fault and e["symbol"] == symbol
            and e["update_id"] is not None]
    assert hits, log
    fault_ms, fault_id = min(e["wall_ms"] for e in hits), min(fault_id_of(e) for e in hits)
    intervals = run.out_of_sync(venue, symbol)
    assert [i["cause"] for i in intervals][:1] == [cause], intervals
    start, end = int(intervals[0]["from"]), int(intervals[0]["to"])
    assert int(intervals[0]["unsynced_ms"]) == end - start > 0
    assert start >= fault_ms  # noticed after the fault, never before
    samples = run.samples(venue, symbol)
    inside = samples.filter((samples["received_ts"] > start) & (samples["received_ts"] <= end))
    assert inside.is_empty(), inside.select("received_ts", "nonce")
    # between the fault and the moment it was noticed: only books from before the broken update
    # (drop / reorder / checksum: the update hit; stall: the first held back; close: the last one sent);
    # a sample in the very millisecond of the notice was taken before it (or it would be inside)
    noticing = samples.filter((samples["received_ts"] > fault_ms) & (samples["received_ts"] <= start))
    last_good = fault_id if fault in ("disconnect", "server_close") else fault_id - 1
    assert noticing.is_empty() or noticing["nonce"].max() <= last_good
    after = samples.filter(samples["received_ts"] > end)
    assert after.height > 0 and after["nonce"].min() > fault_id  # sampling resumed, from a newer book
