"""One venue in `mode: stream`: its unmodified ccxt.pro instance, a book and a trade watch loop per
market, the sampler, and the fallback to REST polling while its stream stays down.

Books: each market's maintained book is copied every `sample_every_ms` (on a grid: whole seconds by
default) into an ordinary `orderbooks` landing row, only while it is in sync (mmwatch.collector.
stream_sync); each unsynchronised interval lands as a StreamOutOfSync `fetch_errors` row when it ends.
Trades: landed as they arrive, each once (stream_trades.TradeDedup, shared with the REST backfill and
the fallback's polling). Fallback: when no book of the venue has been in sync for `fallback_after_s`,
the collector's REST jobs of the venue run (`polling`) while the watch loops keep trying (with backoff);
the first book back in sync (the probe subscription succeeded) returns the venue to streaming.
Connections: one ccxt.pro instance (mmwatch.collector.stream_link.Link) at a time, two during a planned
roll-over (mmwatch.collector.stream_rollover: a connection `roll_over_after_s` old is replaced, make
before break); `active` says on which link each market's sampled book is.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from mmwatch.collector.budget import VenueBudget
from mmwatch.collector.exchanges import make_exchange
from mmwatch.collector.fetchers import failure_rows
from mmwatch.collector.rows import MarketRef, trade_row
from mmwatch.collector.stream_link import Link
from mmwatch.collector.stream_rollover import roll_over_forever
from mmwatch.collector.stream_sample import next_sample_ms, sample_row
from mmwatch.collector.stream_stats import FALLBACK, STREAM, StreamCounters
from mmwatch.collector.stream_trades import TradeDedup
from mmwatch.collector.venues import contract_size_of, market_type_of, trade_page_limit, watch_limit
from mmwatch.config import ExchangeConfig
from mmwatch.errors import ConfigError

log = logging.getLogger(__name__)
Land = Callable[[str, dict], None]  # (data set, row) -> the collector's sink and counters
FallbackHook = Callable[[str, bool], None]  # (exchange id, entering) -> the collector starts/stops polling
NewPro = Callable[[], object]  # a fresh ccxt.pro instance of the venue (a roll-over's second connection)


class StreamVenue:
    """A streaming venue: `start()` its loops, `stop()` them (open unsynchronised intervals are recorded),
    `polling` while it falls back to REST; `counters` for progress lines and /metrics."""

    def __init__(self, exchange_id: str, config: ExchangeConfig, pro, rest_state, land: Land,
                 clock: Callable[[], int], on_fallback: FallbackHook | None = None, new_pro: NewPro | None = None):
        self.exchange_id = exchange_id
        self.config = config
        self.new_pro = new_pro  # None: no roll-over
        self.rest_state = rest_state  # the venue's REST VenueState: markets, backfill, fallback polling
        self.land = land
        self.clock = clock
        self.on_fallback = on_fallback
        self.levels = config.orderbook_levels
        self.watch_limit = watch_limit(exchange_id, config.orderbook_levels)
        started = clock()
        self.trades = {symbol: TradeDedup(started) for symbol in config.markets}
        self.counters = StreamCounters()
        self.down_since_ms: int | None = started  # since when no book is in sync (None: one is)
        self.mode_changes: list[tuple[int, str]] = [(started, STREAM)]  # (ms, mode entered)
        self._tasks: list[asyncio.Task] = []
        first = Link(self, pro, config.markets)
        self.links: list[Link] = [first]  # the instances open now, oldest first
        self.active: dict[str, Link] = dict.fromkeys(config.markets, first)  # where each sampled book is
        self.sync = dict(first.sync)  # each market's sampled book: in sync or not

    @classmethod
    def build(cls, exchange_id: str, config: ExchangeConfig, urls: tuple[str | None, str | None],
              budget: VenueBudget, rest_state, land: Land, clock: Callable[[], int],
              on_fallback: FallbackHook | None = None) -> "StreamVenue":
        """The venue's ccxt.pro instance, not started: aimed at `urls` (the simulator's HTTP and WebSocket
        base URLs; both None: the venue itself), its REST requests charged to `budget`. ConfigError for
        an HTTP simulator URL without a WebSocket one (the stream would reach the real venue)."""
        url, ws_url = urls
        if url and not ws_url:
            raise ConfigError(f"exchanges.{exchange_id}: mode stream against the simulator at {url} needs its "
                              "WebSocket URL too: set simulator_ws_url (the simulator prints it as 'streaming "
                              "ws://...') or pass --simulator-ws")
        credentials = config.credentials.resolve(exchange_id) if config.credentials else None

        def new_pro():
            return make_exchange(exchange_id, config.markets, url, False, budget, credentials, config.request_timeout_s,
                                 streaming=True, simulator_ws_url=ws_url)

        return cls(exchange_id, config, new_pro(), rest_state, land, clock, on_fallback, new_pro)

    @property
    def pro(self):
        """The newest ccxt.pro instance (markets; the one every market is on outside a roll-over)."""
        return self.links[-1].pro

    @property
    def polling(self) -> bool:
        """True while the venue falls back to REST polling."""
        return self.counters.mode == FALLBACK

    def market(self, symbol: str) -> MarketRef:
        """The market as landed (type and contract size from the markets once loaded)."""
        markets = self.pro.markets or {}
        if symbol in markets:
            found = markets[symbol]
            return MarketRef(self.exchange_id, symbol, market_type_of(found), contract_size_of(found))
        return self.rest_state.market(symbol)

    def start(self) -> None:
        """Start a book and a trade loop per market (as configured), the sampler, the fallback watch and
        the roll-over watch."""
        rest = self.rest_state.exchange
        if self.rest_state.ready and rest.markets and not self.pro.markets:
            self.pro.set_markets(rest.markets, rest.currencies)  # one markets request for both instances
        self.links[0].start()
        if self.config.wants("orderbooks"):
            self._tasks.append(asyncio.create_task(self._sample_forever()))
            self._tasks.append(asyncio.create_task(self._watch_fallback()))
        if self.new_pro is not None:
            self._tasks.append(asyncio.create_task(roll_over_forever(self)))

    async def stop(self) -> None:
        """Stop every loop, record the intervals still out of sync, close the WebSocket connections."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for link in self.links:  # loops first: a connection closing under a loop would read as a reconnect
            for symbol in list(link.book_loops):
                await link.stop_loops(symbol)
        now = self.clock()
        for symbol, state in self.sync.items():
            ended = state.close(now)
            if ended is not None:
                self._record(symbol, ended)
        links, self.links = self.links, self.links[-1:]
        await asyncio.gather(*(link.close() for link in links), return_exceptions=True)

    # ---- connections (roll-over) ----

    def open_link(self, symbols: list[str]) -> Link:
        """A second ccxt.pro instance of the venue with `symbols` subscribed (their books candidates)."""
        pro = self.new_pro()
        if self.pro.markets:
            pro.set_markets(self.pro.markets, self.pro.currencies)  # no markets request
        link = Link(self, pro, symbols)
        self.links.append(link)
        link.start()
        return link

    async def switch(self, symbol: str, link: Link) -> None:
        """Sample `symbol`'s book on `link` from now on (it is in sync there); stop its old book loop."""
        now = self.clock()
        old = self.active[symbol]
        ended = self.sync[symbol].close(now)  # the old book was out of sync: the switch ends that
        self.active[symbol], self.sync[symbol] = link, link.sync[symbol]
        await old.stop_loops(symbol, trades=False)
        if ended is not None:
            self.counters.resyncs += 1
            self._record(symbol, ended)
        if self.sync[symbol].in_sync:
            self.down_since_ms = None
            if self.polling:
                self._leave_fallback(now)
        self._count_unsynced()

    async def close_unused(self) -> None:
        """Close the links no market's loop runs on any more."""
        unused = [link for link in self.links if not link.in_use]
        self.links = [link for link in self.links if link.in_use] or self.links[-1:]
        for link in unused:
            if link in self.links:
                continue
            try:
                await link.close()
            except Exception as exc:  # a connection already gone
                log.debug("%s: closing an old connection: %s", self.exchange_id, exc)

    # ---- book sync (called by the watch loops) ----

    def updated(self, symbol: str, now_ms: int, nonce: int | None) -> None:
        """A successful watch of `symbol`'s book (at update id `nonce`)."""
        state = self.sync[symbol]
        ended = state.updated(now_ms, nonce)
        if not state.in_sync:
            return
        if ended is not None:
            self.counters.resyncs += 1
            self._record(symbol, ended)
            log.info("%s %s: book in sync again after %d ms (%s)", self.exchange_id, symbol, ended.unsynced_ms,
                     ended.cause)
        self.down_since_ms = None
        self._count_unsynced()
        if self.polling:
            self._leave_fallback(now_ms)

    def lost(self, symbol: str, cause: str, now_ms: int, error: BaseException | None = None) -> None:
        """`symbol`'s book may be wrong from `now_ms` on: no sample until it is in sync again."""
        self.active[symbol].guard.forget(symbol)
        if self.sync[symbol].lost(cause, now_ms):
            log.warning("%s %s: book out of sync (%s%s); resubscribing", self.exchange_id, symbol, cause,
                        f": {type(error).__name__}: {str(error)[:200]}" if error is not None else "")
        self._count_unsynced()
        if self.down_since_ms is None and not any(state.in_sync for state in self.sync.values()):
            self.down_since_ms = now_ms

    def _count_unsynced(self) -> None:
        self.counters.unsynced_markets = sum(not state.in_sync for state in self.sync.values())

    def _record(self, symbol: str, ended) -> None:
        self.counters.unsynced_intervals_ms += ended.unsynced_ms
        self.land("fetch_errors", ended.row(self.market(symbol)))

    # ---- sampling ----

    async def _sample_forever(self) -> None:
        every = self.config.sample_every_ms
        while True:
            now = self.clock()
            await asyncio.sleep((next_sample_ms(now, every) - now) / 1000)
            self.sample(self.clock())

    def sample(self, now_ms: int) -> int:
        """Land a sample of every book in sync at `now_ms` (a stalled one is marked out of sync instead);
        returns the number landed."""
        landed = 0
        for symbol, state in self.sync.items():
            if state.stalled(now_ms):
                self.lost(symbol, "stall", now_ms)
            if not state.in_sync:
                continue
            link = self.active[symbol]
            row = sample_row(self.market(symbol), link.pro.orderbooks.get(symbol), self.levels, now_ms,
                             link.guard.update_ids.get(symbol))
            if row is not None:
                self.land("orderbooks", row)
                landed += 1
        self.counters.samples += landed
        return landed

    # ---- fallback ----

    async def _watch_fallback(self) -> None:
        after_ms = int(self.config.fallback_after_s * 1000)
        while True:
            await asyncio.sleep(min(1.0, after_ms / 4000))
            now = self.clock()
            if not self.polling and self.down_since_ms is not None and now - self.down_since_ms >= after_ms:
                self._enter_fallback(now)

    def _enter_fallback(self, now_ms: int) -> None:
        log.warning("%s: no book in sync for %.1f s: polling over REST until the stream is back",
                    self.exchange_id, (now_ms - self.down_since_ms) / 1000)
        self.counters.mode = FALLBACK
        self.counters.fallbacks += 1
        self.mode_changes.append((now_ms, FALLBACK))
        if self.on_fallback is not None:
            self.on_fallback(self.exchange_id, True)

    def _leave_fallback(self, now_ms: int) -> None:
        log.info("%s: stream back: streaming again, REST polling stops", self.exchange_id)
        self.counters.mode = STREAM
        self.mode_changes.append((now_ms, STREAM))
        if self.on_fallback is not None:
            self.on_fallback(self.exchange_id, False)

    # ---- trades ----

    def land_trades(self, symbol: str, trades: list[dict], now_ms: int) -> int:
        """Land the trades of `symbol` not landed before; returns how many."""
        fresh = self.trades[symbol].take(trades)
        market = self.market(symbol)
        for trade in fresh:
            self.land("trades", trade_row(market, trade, now_ms))
        self.counters.trades += len(fresh)
        return len(fresh)

    def unseen_trade_rows(self, symbol: str, rows: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
        """REST-fetched rows (the fallback's polling) without the trades the stream already landed."""
        keep = []
        for dataset, row in rows:
            if dataset != "trades" or self.trades[symbol].take([_as_trade(row)]):
                keep.append((dataset, row))
        return keep

    async def backfill_trades(self, symbol: str) -> None:
        """The trades missed while the trade stream was down, over REST (one page from the newest landed)."""
        market = self.market(symbol)
        dedup = self.trades[symbol]
        try:
            page = await self.rest_state.exchange.fetch_trades(
                symbol, since=dedup.cursor().since, limit=trade_page_limit(self.exchange_id, market.market_type))
        except Exception as exc:  # recorded; the stream goes on
            for dataset, row in failure_rows(market, "trades", self.clock(), exc):
                self.land(dataset, row)
            return
        self.land_trades(symbol, page, self.clock())


def _as_trade(row: dict) -> dict:
    return {"id": row["trade_id"], "timestamp": row["exchange_ts"], "price": row["price"],
            "amount": row["amount"], "side": row["side"]}


def progress_line(mode: str, got: dict[str, int], seconds: float | None) -> str:
    """The streaming part of a venue's progress line: mode, messages per second, resyncs, roll-overs,
    sampled books."""
    rate = f"{got['messages'] / seconds:,.1f}" if seconds else "?"
    return (f"{mode}, {rate} msg/s, {got['resyncs']} resyncs, {got['rollovers']} roll-overs, "
            f"{got['samples']} sampled books, ")
