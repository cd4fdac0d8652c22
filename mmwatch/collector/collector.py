"""The collector loop: every configured market on its own cadence, one ccxt instance per venue."""
from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from mmwatch.collector.budget import VenueBudget
from mmwatch.collector.fetchers import Rows, TradeCursor, failure_rows, fetch_book, fetch_new_trades
from mmwatch.collector.sinks import Sink
from mmwatch.collector.venue_state import VenueState
from mmwatch.collector.venues import book_request_limit, trade_page_limit
from mmwatch.config import CollectionConfig

log = logging.getLogger(__name__)
_COUNTED = {"orderbooks": "snapshots", "trades": "trades", "fetch_errors": "errors"}


def wall_clock_ms() -> int:
    """Milliseconds since the epoch, now."""
    return time.time_ns() // 1_000_000


@dataclass
class _Job:
    """One recurring fetch: the order book or the trades of one market."""

    exchange: str
    symbol: str
    dataset: str  # "orderbooks" / "trades"
    every_ms: int
    levels: int
    next_due_ms: int = 0


class Collector:
    """Polls every configured market through ccxt and hands the rows to a sink.

    `await start()` builds one async ccxt instance per exchange and loads the
    markets of every venue at once (unknown symbols raise ConfigError; a venue
    that cannot be reached is retried while its fetches are recorded as
    fetch_errors). Then either `await run_forever()` (wall clock) or
    `await run_cycle(now_ms)` (virtual time: everything due at now_ms,
    received_ts = now_ms). `await close()` flushes the sink and closes the
    connections. `budgets[exchange]` accounts every request against the
    venue's budget; `requests` counts them per exchange, `counts` rows per
    (exchange, snapshots/trades/errors), `fetches` the fetches per (exchange, data set) and
    `failures` the failed ones per (exchange, data set, error class) (the metrics endpoint's
    source: mmwatch.collector.metrics). `started_ms` is when `start()` began.
    """

    def __init__(self, config: CollectionConfig, sink: Sink, clock: Callable[[], int] = wall_clock_ms,
                 simulator_url: str | None = None, virtual_time: bool = False, trades_since_ms: int | None = None):
        self.config = config
        self.sink = sink
        self.clock = clock
        self.simulator_url = simulator_url
        self.virtual_time = virtual_time
        self.trades_since_ms = trades_since_ms
        self.venues: dict[str, VenueState] = {}
        self.budgets: dict[str, VenueBudget] = {}
        self.jobs: list[_Job] = []
        self.cursors: dict[tuple[str, str], TradeCursor] = {}
        self.counts: Counter = Counter()
        self.fetches: Counter = Counter()
        self.failures: Counter = Counter()
        self.started_ms: int | None = None
        self._virtual_now_ms = 0  # virtual time: the logical time of the current cycle

    @property
    def requests(self) -> Counter:
        """HTTP requests made so far, per exchange id."""
        return Counter({venue: budget.requests for venue, budget in self.budgets.items()})

    @property
    def exchanges(self) -> dict:
        """exchange id -> its ccxt instance."""
        return {venue: state.exchange for venue, state in self.venues.items()}

    async def start(self) -> None:
        """Create the exchange instances and load every venue's markets; ConfigError for unknown symbols."""
        self._virtual_now_ms = self.started_ms = self.clock()
        try:
            for exchange_id, venue in self.config.exchanges.items():
                url = venue.simulator_url or self.simulator_url or self.config.simulator_url
                # virtual time: count requests in the windows of logical time (the wall clock would
                # crowd many cycles into one window on a fast machine); nothing waits
                budget = (VenueBudget(exchange_id, clock=lambda: self._virtual_now_ms, wait=False)
                          if self.virtual_time else VenueBudget(exchange_id))
                self.budgets[exchange_id] = budget
                self.venues[exchange_id] = VenueState.build(exchange_id, venue, url, self.virtual_time, budget)
                for symbol in venue.markets:
                    if venue.wants("orderbooks"):
                        self.jobs.append(_Job(exchange_id, symbol, "orderbooks", int(venue.orderbook_every_s * 1000),
                                              venue.orderbook_levels))
                    if venue.wants("trades"):
                        self.jobs.append(_Job(exchange_id, symbol, "trades", int(venue.trades_every_s * 1000), 0))
            await asyncio.gather(*(state.load(self.clock()) for state in self.venues.values()))
        except BaseException:
            await self.close()
            raise
        since = self.clock() if self.trades_since_ms is None else self.trades_since_ms
        self.cursors = {(job.exchange, job.symbol): TradeCursor(since) for job in self.jobs if job.dataset == "trades"}

    async def _run_job(self, job: _Job, clock: Callable[[], int]) -> Rows:
        state = self.venues[job.exchange]
        market = state.market(job.symbol)
        if not state.ready:
            error = await state.retry(clock())
            market = state.market(job.symbol)
            if error is not None:
                return failure_rows(market, job.dataset, clock(), error)
        if job.dataset == "orderbooks":
            limit = book_request_limit(job.exchange, market.market_type, job.levels, state.authenticated)
            return await fetch_book(state.exchange, market, limit, clock)
        page = trade_page_limit(job.exchange, market.market_type)
        return await fetch_new_trades(state.exchange, market, self.cursors[(job.exchange, job.symbol)], clock, page)

    def _deliver(self, job: _Job, rows: Rows) -> None:
        self.fetches[(job.exchange, job.dataset)] += 1
        for dataset, row in rows:
            if dataset == "fetch_errors":  # at most one per fetch: the error that ended it
                self.failures[(job.exchange, job.dataset, row["error_class"])] += 1
            self.sink.add(dataset, row)
            self.counts[(row["exchange"], _COUNTED[dataset])] += 1

    async def run_cycle(self, now_ms: int) -> int:
        """Fetch, concurrently, every market due at logical time `now_ms`; returns the number of fetches."""
        self._virtual_now_ms = now_ms
        due = [job for job in self.jobs if job.next_due_ms <= now_ms]
        results = await asyncio.gather(*(self._run_job(job, lambda: now_ms) for job in due))
        for job, rows in zip(due, results):
            self._deliver(job, rows)
            job.next_due_ms = now_ms + job.every_ms
        self.sink.tick(now_ms)
        return len(due)

    async def _job_loop(self, job: _Job, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started = self.clock()
            self._deliver(job, await self._run_job(job, self.clock))
            wait_s = max(0.0, (started + job.every_ms - self.clock()) / 1000)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait_s)
            except asyncio.TimeoutError:
                pass

    def progress_lines(self, since: Counter | None = None) -> list[str]:
        """Per venue: rows since `since` (a copy of `counts`), and the request-budget use so far."""
        since = since or Counter()
        lines = []
        for exchange_id, budget in self.budgets.items():
            got = {name: self.counts[(exchange_id, name)] - since[(exchange_id, name)] for name in _COUNTED.values()}
            lines.append(f"{exchange_id}: {got['snapshots']} snapshots, {got['trades']} trades, {got['errors']} errors; "
                         + budget.report().split(": ", 1)[1])
        return lines

    async def _minute_loop(self, stop: asyncio.Event) -> None:
        last = Counter(self.counts)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=60 - (self.clock() / 1000) % 60)
            except asyncio.TimeoutError:
                pass
            self.sink.tick(self.clock())
            for line in self.progress_lines(last):
                log.info("last minute: %s", line)
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
            for state in self.venues.values():
                await state.exchange.close()
