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
from mmwatch.collector.stream_sync import OUT_OF_SYNC
from mmwatch.collector.stream_venue import StreamVenue, progress_line
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

    Venues in `mode: stream` (wall clock only) are watched over WebSocket by a StreamVenue each
    (`streams`); their REST jobs run only while the venue falls back to polling. `progress_s`: seconds
    between the progress lines logged per venue (one a minute by default).
    """

    def __init__(self, config: CollectionConfig, sink: Sink, clock: Callable[[], int] = wall_clock_ms,
                 simulator_url: str | None = None, virtual_time: bool = False, trades_since_ms: int | None = None,
                 simulator_ws_url: str | None = None):
        self.config = config
        self.sink = sink
        self.clock = clock
        self.simulator_url = simulator_url
        self.simulator_ws_url = simulator_ws_url
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
        self.streams: dict[str, StreamVenue] = {}
        self.progress_s = 60.0

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
        if not self.virtual_time:
            for exchange_id, venue in self.config.exchanges.items():
                if venue.streams:
                    url = venue.simulator_url or self.simulator_url or self.config.simulator_url
                    ws_url = venue.simulator_ws_url or self.simulator_ws_url or self.config.simulator_ws_url
                    self.streams[exchange_id] = StreamVenue.build(
                        exchange_id, venue, (url, ws_url), self.budgets[exchange_id], self.venues[exchange_id],
                        self._land_streamed, self.clock, self._fallback)

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
        rows = await fetch_new_trades(state.exchange, market, self.cursors[(job.exchange, job.symbol)], clock, page)
        stream = self.streams.get(job.exchange)
        return rows if stream is None else stream.unseen_trade_rows(job.symbol, rows)

    def _land_streamed(self, dataset: str, row: dict) -> None:
        self.sink.add(dataset, row)
        name = _COUNTED[dataset]
        if dataset == "orderbooks":
            name = "samples"
        elif row.get("error_class") == OUT_OF_SYNC:
            name = "unsynced intervals"  # the resyncs of the progress line, not fetch errors
        self.counts[(row["exchange"], name)] += 1

    def _fallback(self, exchange_id: str, entering: bool) -> None:
        """A streaming venue starts (or stops) falling back to REST: its polling starts where the stream is."""
        if entering:
            for symbol, dedup in self.streams[exchange_id].trades.items():
                if (exchange_id, symbol) in self.cursors:
                    self.cursors[(exchange_id, symbol)] = dedup.cursor()
            now = self.clock()
            for job in self.jobs:
                if job.exchange == exchange_id:
                    job.next_due_ms = now

    def _polled(self, job: _Job) -> bool:
        stream = self.streams.get(job.exchange)
        return stream is None or stream.polling

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
            if self._polled(job) and job.next_due_ms <= started:
                self._deliver(job, await self._run_job(job, self.clock))
                job.next_due_ms = started + job.every_ms
            # a job of a venue that streams looks again in a second whether its venue fell back to
            # polling (its next_due_ms is in the past while it streams: waiting for it would spin)
            due = job.next_due_ms if self._polled(job) else started + 1000
            wait_s = max(0.0, (due - self.clock()) / 1000)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait_s)
            except asyncio.TimeoutError:
                pass

    def progress_counts(self) -> Counter:
        """`counts` with every streaming venue's messages, resyncs and roll-overs (what progress lines take
        differences of)."""
        counts = Counter(self.counts)
        for exchange_id, stream in self.streams.items():
            counts[(exchange_id, "messages")] = stream.counters.messages
            counts[(exchange_id, "resyncs")] = stream.counters.resyncs
            counts[(exchange_id, "rollovers")] = stream.counters.rollovers
        return counts

    def progress_lines(self, since: Counter | None = None, seconds: float | None = None) -> list[str]:
        """Per venue: rows since `since` (a copy of `progress_counts()`, `seconds` ago), and the
        request-budget use so far; a streaming venue's line starts with its mode and messages per second."""
        since = since or Counter()
        now = self.progress_counts()
        lines = []
        for exchange_id, budget in self.budgets.items():
            got = {name: now[(exchange_id, name)] - since[(exchange_id, name)]
                   for name in (*_COUNTED.values(), "samples", "messages", "resyncs", "rollovers")}
            rows = f"{got['snapshots']} snapshots, {got['trades']} trades, {got['errors']} errors; "
            stream = self.streams.get(exchange_id)
            if stream is not None:
                rows = progress_line(stream.counters.mode, got, seconds) + rows
            elif self.streams:
                rows = "poll, " + rows
            lines.append(f"{exchange_id}: {rows}" + budget.report().split(": ", 1)[1])
        return lines

    async def _minute_loop(self, stop: asyncio.Event) -> None:
        last, last_ms = self.progress_counts(), self.clock()
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.progress_s - (self.clock() / 1000) % self.progress_s)
            except asyncio.TimeoutError:
                pass
            now = self.clock()
            self.sink.tick(now)
            for line in self.progress_lines(last, (now - last_ms) / 1000):
                log.info("last %g s: %s", self.progress_s, line)
            last, last_ms = self.progress_counts(), now

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
        for stream in self.streams.values():
            stream.start()
        try:
            await stop.wait()
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(stream.stop() for stream in self.streams.values()), return_exceptions=True)
            # from here to the end of the loop (close(): the last flush) a further SIGTERM or SIGINT must not
            # kill the process with the default action and lose what is held: it is noted, the close goes on
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, _closing_anyway, sig)
                except (NotImplementedError, RuntimeError):
                    pass

    async def close(self) -> None:
        """Flush the sink and close every exchange connection."""
        try:
            self.sink.close()
        finally:
            for state in self.venues.values():
                await state.exchange.close()
            for stream in self.streams.values():
                await stream.pro.close()


def _closing_anyway(sig: signal.Signals) -> None:
    log.warning("%s while landing what is held and closing: finishing that first (SIGKILL stops at once, "
                "losing what is not landed yet)", signal.Signals(sig).name)
