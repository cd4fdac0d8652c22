"""The collector loop: every configured market on its own cadence, one ccxt instance per venue."""
from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from mmwatch.collector.exchanges import load_checked_markets, make_exchange, market_type_of
from mmwatch.collector.fetchers import Rows, TradeCursor, fetch_book, fetch_new_trades
from mmwatch.collector.rows import MarketRef
from mmwatch.collector.sinks import Sink
from mmwatch.config import CollectionConfig

log = logging.getLogger(__name__)
_COUNTED = {"orderbooks": "snapshots", "trades": "trades", "fetch_errors": "errors"}


def wall_clock_ms() -> int:
    """Milliseconds since the epoch, now."""
    return time.time_ns() // 1_000_000


@dataclass
class _Job:
    """One recurring fetch: the order book or the trades of one market."""

    market: MarketRef
    dataset: str  # "orderbooks" / "trades"
    every_ms: int
    levels: int
    next_due_ms: int = 0


class Collector:
    """Polls every configured market through ccxt and hands the rows to a sink.

    `await start()` builds one async ccxt instance per exchange and loads its
    markets once (unknown symbols raise ConfigError). Then either
    `await run_forever()` (wall clock) or `await run_cycle(now_ms)` (virtual
    time: everything due at now_ms, received_ts = now_ms). `await close()`
    flushes the sink and closes the connections. `requests` counts HTTP
    requests per exchange, `counts` rows per (exchange, snapshots/trades/errors).
    """

    def __init__(self, config: CollectionConfig, sink: Sink, clock: Callable[[], int] = wall_clock_ms,
                 simulator_url: str | None = None, virtual_time: bool = False, trades_since_ms: int | None = None):
        self.config = config
        self.sink = sink
        self.clock = clock
        self.simulator_url = simulator_url or config.simulator_url
        self.virtual_time = virtual_time
        self.trades_since_ms = trades_since_ms
        self.exchanges: dict = {}
        self.jobs: list[_Job] = []
        self.cursors: dict[MarketRef, TradeCursor] = {}
        self.requests: Counter = Counter()
        self.counts: Counter = Counter()

    async def start(self) -> None:
        """Create the exchange instances and load markets once; ConfigError for unknown symbols."""
        try:
            for exchange_id, venue in self.config.exchanges.items():
                exchange = make_exchange(exchange_id, venue.markets, self.simulator_url, self.virtual_time, self.requests)
                self.exchanges[exchange_id] = exchange
                markets = await load_checked_markets(exchange, venue.markets)
                for symbol, market in markets.items():
                    ref = MarketRef(exchange_id, symbol, market_type_of(market))
                    self.jobs.append(_Job(ref, "orderbooks", int(venue.orderbook_every_s * 1000), venue.orderbook_levels))
                    self.jobs.append(_Job(ref, "trades", int(venue.trades_every_s * 1000), 0))
        except BaseException:
            await self.close()
            raise
        since = self.clock() if self.trades_since_ms is None else self.trades_since_ms
        self.cursors = {job.market: TradeCursor(since) for job in self.jobs if job.dataset == "trades"}

    async def _run_job(self, job: _Job, clock: Callable[[], int]) -> Rows:
        exchange = self.exchanges[job.market.exchange]
        if job.dataset == "orderbooks":
            return await fetch_book(exchange, job.market, job.levels, clock)
        return await fetch_new_trades(exchange, job.market, self.cursors[job.market], clock)

    def _deliver(self, rows: Rows) -> None:
        for dataset, row in rows:
            self.sink.add(dataset, row)
            self.counts[(row["exchange"], _COUNTED[dataset])] += 1

    async def run_cycle(self, now_ms: int) -> int:
        """Fetch, concurrently, every market due at logical time `now_ms`; returns the number of fetches."""
        due = [job for job in self.jobs if job.next_due_ms <= now_ms]
        results = await asyncio.gather(*(self._run_job(job, lambda: now_ms) for job in due))
        for job, rows in zip(due, results):
            self._deliver(rows)
            job.next_due_ms = now_ms + job.every_ms
        self.sink.tick(now_ms)
        return len(due)

    async def _job_loop(self, job: _Job, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = self.clock()
            self._deliver(await self._run_job(job, self.clock))
            wait_s = max(0.0, (started + job.every_ms - self.clock()) / 1000)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait_s)
            except asyncio.TimeoutError:
                pass

    async def _minute_loop(self, stop: asyncio.Event) -> None:
        last = Counter(self.counts)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=60 - (self.clock() / 1000) % 60)
            except asyncio.TimeoutError:
                pass
            self.sink.tick(self.clock())
            for exchange_id in self.exchanges:
                got = {name: self.counts[(exchange_id, name)] - last[(exchange_id, name)] for name in _COUNTED.values()}
                log.info("%s: %d snapshots, %d trades, %d errors in the last minute; %d requests so far", exchange_id,
                         got["snapshots"], got["trades"], got["errors"], self.requests[exchange_id])
            last = Counter(self.counts)

    async def run_forever(self, duration_s: float | None = None) -> None:
        """Collect on the wall clock until SIGINT/SIGTERM (or `duration_s`), then flush and close."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not the main thread: rely on duration / cancellation
                pass
        if duration_s is not None:
            loop.call_later(duration_s, stop.set)
        tasks = [asyncio.create_task(self._job_loop(job, stop)) for job in self.jobs]
        tasks.append(asyncio.create_task(self._minute_loop(stop)))
        try:
            await stop.wait()
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.remove_signal_handler(sig)
                except (NotImplementedError, RuntimeError):
                    pass

    async def close(self) -> None:
        """Flush the sink and close every exchange connection."""
        try:
            self.sink.close()
        finally:
            for exchange in self.exchanges.values():
                await exchange.close()
