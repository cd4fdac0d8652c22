"""One venue in `mode: stream`: its unmodified ccxt.pro instance, a book and a trade watch loop per
market, the sampler, and the fallback to REST polling while its stream stays down.

Books: each market's maintained book is copied every `sample_every_ms` (on a grid: whole seconds by
default) into an ordinary `orderbooks` landing row, only while it is in sync (mmwatch.collector.
stream_sync); each unsynchronised interval lands as a StreamOutOfSync `fetch_errors` row when it ends.
Trades: landed as they arrive, each once (stream_trades.TradeDedup, shared with the REST backfill and
the fallback's polling). Fallback: when no book of the venue has been in sync for `fallback_after_s`,
the collector's REST jobs of the venue run (`polling`) while the watch loops keep trying (with backoff);
the first book back in sync (the probe subscription succeeded) returns the venue to streaming.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from mmwatch.collector.budget import VenueBudget
from mmwatch.collector.exchanges import make_exchange
from mmwatch.collector.fetchers import failure_rows
from mmwatch.collector.rows import MarketRef, trade_row
from mmwatch.collector.stream_guard import StreamGuard
from mmwatch.collector.stream_sample import next_sample_ms, sample_row
from mmwatch.collector.stream_stats import FALLBACK, STREAM, StreamCounters
from mmwatch.collector.stream_sync import SyncState
from mmwatch.collector.stream_trades import TradeDedup
from mmwatch.collector.stream_watch import watch_book, watch_trades
from mmwatch.collector.venues import contract_size_of, market_type_of, trade_page_limit, watch_limit
from mmwatch.config import ExchangeConfig
from mmwatch.errors import ConfigError

log = logging.getLogger(__name__)
UNWATCH_TIMEOUT_S = 2.0
Land = Callable[[str, dict], None]  # (data set, row) -> the collector's sink and counters
FallbackHook = Callable[[str, bool], None]  # (exchange id, entering) -> the collector starts/stops polling


class StreamVenue:
    """A streaming venue: `start()` its loops, `stop()` them (open unsynchronised intervals are recorded),
    `polling` while it falls back to REST; `counters` for progress lines and /metrics."""

    def __init__(self, exchange_id: str, config: ExchangeConfig, pro, rest_state, land: Land,
                 clock: Callable[[], int], on_fallback: FallbackHook | None = None):
        self.exchange_id = exchange_id
        self.config = config
        self.pro = pro
        self.rest_state = rest_state  # the venue's REST VenueState: markets, backfill, fallback polling
        self.land = land
        self.clock = clock
        self.on_fallback = on_fallback
        self.levels = config.orderbook_levels
        self.watch_limit = watch_limit(exchange_id, config.orderbook_levels)
        stall_ms = int(config.stall_after_s * 1000)
        self.sync = {symbol: SyncState(stall_ms) for symbol in config.markets}
        started = clock()
        self.trades = {symbol: TradeDedup(started) for symbol in config.markets}
        self.counters = StreamCounters()
        self.down_since_ms: int | None = started  # since when no book is in sync (None: one is)
        self.mode_changes: list[tuple[int, str]] = [(started, STREAM)]  # (ms, mode entered)
        self._tasks: list[asyncio.Task] = []
        self._drops: set[asyncio.Task] = set()  # connections being dropped after a problem the guard found
        self.guard = StreamGuard(exchange_id, lambda: self.pro.markets)
        self.guard.watch(config.markets)
        self._guard_messages()

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
        pro = make_exchange(exchange_id, config.markets, url, False, budget, credentials, config.request_timeout_s,
                            streaming=True, simulator_ws_url=ws_url)
        return cls(exchange_id, config, pro, rest_state, land, clock, on_fallback)

    @property
    def polling(self) -> bool:
        """True while the venue falls back to REST polling."""
        return self.counters.mode == FALLBACK

    def _guard_messages(self) -> None:
        original = self.pro.handle_message

        def guarded(client, message):
            now = self.clock()
            self.counters.message(now)
            for symbol, cause in self.guard.handle(client, message, lambda: original(client, message),
                                                   self.pro.orderbooks):
                self.lost(symbol, cause, now)
                self.sync[symbol].resubscribing = True  # at once: the message just applied must not count
                task = asyncio.ensure_future(self.resubscribe(symbol))
                self._drops.add(task)
                task.add_done_callback(self._drops.discard)

        self.pro.handle_message = guarded  # this instance only: the class stays ccxt's own

    def nonce_of(self, symbol: str, book: dict | None) -> int | None:
        """The update id `symbol`'s book reflects: ccxt.pro's nonce, else the venue's id of the newest
        book message applied (venues whose ccxt.pro book keeps none)."""
        nonce = book.get("nonce") if book is not None else None
        return self.guard.update_ids.get(symbol) if nonce is None else nonce

    def market(self, symbol: str) -> MarketRef:
        """The market as landed (type and contract size from the markets once loaded)."""
        markets = self.pro.markets or {}
        if symbol in markets:
            found = markets[symbol]
            return MarketRef(self.exchange_id, symbol, market_type_of(found), contract_size_of(found))
        return self.rest_state.market(symbol)

    def start(self) -> None:
        """Start a book and a trade loop per market (as configured), the sampler and the fallback watch."""
        self.pro.open()  # its event loop now: some venues (KuCoin) spawn tasks before their first request
        rest = self.rest_state.exchange
        if self.rest_state.ready and rest.markets and not self.pro.markets:
            self.pro.set_markets(rest.markets, rest.currencies)  # one markets request for both instances
        for symbol in self.config.markets:
            if self.config.wants("orderbooks"):
                self._tasks.append(asyncio.create_task(watch_book(self, symbol)))
            if self.config.wants("trades"):
                self._tasks.append(asyncio.create_task(watch_trades(self, symbol)))
        if self.config.wants("orderbooks"):
            self._tasks.append(asyncio.create_task(self._sample_forever()))
            self._tasks.append(asyncio.create_task(self._watch_fallback()))

    async def stop(self) -> None:
        """Stop every loop, record the intervals still out of sync, close the WebSocket connections."""
        for task in (*self._tasks, *self._drops):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._drops, return_exceptions=True)
        self._tasks = []
        now = self.clock()
        for symbol, state in self.sync.items():
            ended = state.close(now)
            if ended is not None:
                self._record(symbol, ended)
        await self.pro.close()

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
        self.guard.forget(symbol)
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

    async def resubscribe(self, symbol: str) -> None:
        """Drop `symbol`'s broken book: unsubscribe it (other markets on the connection keep theirs), or,
        when the venue cannot or does not answer within UNWATCH_TIMEOUT_S, drop its connection; the watch
        loop's next watch subscribes afresh. Until then nothing the old book shows counts."""
        self.sync[symbol].resubscribing = True
        try:
            if self.pro.has.get("unWatchOrderBook"):
                try:
                    await asyncio.wait_for(self.pro.un_watch_order_book(symbol), UNWATCH_TIMEOUT_S)
                    return
                except Exception as exc:  # not supported here, refused, or unanswered: reconnect instead
                    log.info("%s %s: unsubscribing failed (%s: %s); reconnecting", self.exchange_id, symbol,
                             type(exc).__name__, str(exc)[:200])
            await self.drop_connection(symbol)
        finally:
            self.guard.forget(symbol)  # what the old subscription sent says nothing about the new one
            self.sync[symbol].resubscribing = False

    async def drop_connection(self, symbol: str) -> None:
        """Close the WebSocket connection(s) carrying `symbol` (all of the venue's when none is found), so
        the next watch reconnects and resubscribes; the other markets on it see a reconnect."""
        clients = dict(getattr(self.pro, "clients", None) or {})
        carrying = {url: c for url, c in clients.items() if any(str(key).endswith(symbol) for key in c.subscriptions)}
        for url, client in (carrying or clients).items():
            if self.pro.clients.get(url) is client:
                del self.pro.clients[url]
            if client.error is None:
                client.error = ConnectionResetError(f"mmwatch: {symbol} stalled; reconnecting")
            try:
                await client.close()
            except Exception as exc:  # a connection that is already gone
                log.debug("%s: closing %s: %s", self.exchange_id, url, exc)

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
            row = sample_row(self.market(symbol), self.pro.orderbooks.get(symbol), self.levels, now_ms,
                             self.guard.update_ids.get(symbol))
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
    """The streaming part of a venue's progress line: mode, messages per second, resyncs, sampled books."""
    rate = f"{got['messages'] / seconds:,.1f}" if seconds else "?"
    return f"{mode}, {rate} msg/s, {got['resyncs']} resyncs, {got['samples']} sampled books, "
