"""One ccxt.pro instance of a streaming venue (its WebSocket connections) and the watch loops running on it.

A venue streams over one link; during a planned roll-over (mmwatch.collector.stream_rollover) over two
for a while: the old one, whose books are sampled, and the new one, whose books are candidates until in
sync. Each link has its own integrity checks (StreamGuard: ids and checksums per connection, the update
id of each book) and its own per-market SyncState. What a watch loop reports about a market reaches the
venue (sampling, out-of-sync rows, fallback) only while the market's sampled book is on this link; a
candidate's trouble stays here (it was never sampled: nothing to record).
"""
from __future__ import annotations

import asyncio
import logging

from mmwatch.collector.stream_guard import StreamGuard
from mmwatch.collector.stream_sync import SyncState
from mmwatch.collector.stream_watch import watch_book, watch_trades

log = logging.getLogger(__name__)
UNWATCH_TIMEOUT_S = 2.0


class Link:
    """A ccxt.pro instance `pro` of `venue` (a StreamVenue) carrying `symbols`. The watch loops take the
    link as their venue: `pro`, `sync`, `updated`, `lost`, `resubscribe`, `nonce_of`, `land_trades` ..."""

    def __init__(self, venue, pro, symbols):
        self.venue = venue
        self.pro = pro
        self.exchange_id = venue.exchange_id
        self.clock = venue.clock
        self.watch_limit = venue.watch_limit
        self.started_ms = venue.clock()
        stall_ms = int(venue.config.stall_after_s * 1000)
        self.sync = {symbol: SyncState(stall_ms) for symbol in symbols}
        self.book_loops: dict[str, asyncio.Task] = {}
        self.trade_loops: dict[str, asyncio.Task] = {}
        self.trades_flowing: set[str] = set()  # markets whose trade watch delivered here
        self._drops: set[asyncio.Task] = set()  # connections being dropped after a problem the guard found
        self.guard = StreamGuard(venue.exchange_id, lambda: self.pro.markets)
        self.guard.watch(symbols)
        self._guard_messages()

    def start(self) -> None:
        """Open the instance's loop and start a book and a trade loop per market (as configured)."""
        self.pro.open()  # its event loop now: some venues (KuCoin) spawn tasks before their first request
        for symbol in self.sync:
            if self.venue.config.wants("orderbooks"):
                self.book_loops[symbol] = asyncio.create_task(watch_book(self, symbol))
            if self.venue.config.wants("trades"):
                self.trade_loops[symbol] = asyncio.create_task(watch_trades(self, symbol))

    @property
    def in_use(self) -> bool:
        """True while a loop of some market runs here."""
        return bool(self.book_loops or self.trade_loops)

    def sampled(self, symbol: str) -> bool:
        """True when `symbol`'s sampled book is this link's."""
        return self.venue.active.get(symbol) is self

    def age_ms(self, now_ms: int) -> int | None:
        """How long the oldest open WebSocket connection of this link has been up (None: none is)."""
        opened = [client.connectionEstablished for client in (getattr(self.pro, "clients", None) or {}).values()
                  if getattr(client, "connectionEstablished", None) and not client.closed()]
        return now_ms - min(opened) if opened else None

    async def stop_loops(self, symbol: str, books: bool = True, trades: bool = True) -> None:
        """Stop `symbol`'s book and/or trade loop here (its rows land elsewhere from now on)."""
        tasks = [loops.pop(symbol) for loops, wanted in ((self.book_loops, books), (self.trade_loops, trades))
                 if wanted and symbol in loops]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop every loop of this link and close its connections."""
        tasks = [*self.book_loops.values(), *self.trade_loops.values(), *self._drops]
        self.book_loops, self.trade_loops = {}, {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.pro.close()

    def _guard_messages(self) -> None:
        original = self.pro.handle_message

        def guarded(client, message):
            now = self.clock()
            self.venue.counters.message(now)
            for symbol, cause in self.guard.handle(client, message, lambda: original(client, message),
                                                   self.pro.orderbooks):
                if symbol not in self.book_loops:
                    continue  # a book no longer watched here (moved to another link)
                self.lost(symbol, cause, now)
                self.sync[symbol].resubscribing = True  # at once: the message just applied must not count
                task = asyncio.ensure_future(self.resubscribe(symbol))
                self._drops.add(task)
                task.add_done_callback(self._drops.discard)

        self.pro.handle_message = guarded  # this instance only: the class stays ccxt's own

    # ---- what the watch loops report ----

    def updated(self, symbol: str, now_ms: int, nonce: int | None) -> None:
        """A successful watch of `symbol`'s book here."""
        if self.sampled(symbol):
            self.venue.updated(symbol, now_ms, nonce)
        else:
            self.sync[symbol].updated(now_ms, nonce)  # a candidate: nothing sampled, nothing to record

    def lost(self, symbol: str, cause: str, now_ms: int, error: BaseException | None = None) -> None:
        """`symbol`'s book here may be wrong from `now_ms` on."""
        if self.sampled(symbol):
            self.venue.lost(symbol, cause, now_ms, error)
            return
        self.guard.forget(symbol)
        self.sync[symbol].lost(cause, now_ms)
        log.debug("%s %s: candidate book on the new connection out of sync (%s)", self.exchange_id, symbol, cause)

    def nonce_of(self, symbol: str, book: dict | None) -> int | None:
        """The update id `symbol`'s book reflects: ccxt.pro's nonce, else the venue's id of the newest
        book message applied (venues whose ccxt.pro book keeps none)."""
        nonce = book.get("nonce") if book is not None else None
        return self.guard.update_ids.get(symbol) if nonce is None else nonce

    def land_trades(self, symbol: str, trades: list[dict], now_ms: int) -> int:
        """Trades streamed here: landed through the venue (each once, whichever link brought it)."""
        self.trades_flowing.add(symbol)
        return self.venue.land_trades(symbol, trades, now_ms)

    async def backfill_trades(self, symbol: str) -> None:
        """The trades missed while this link's trade stream was down (over REST, through the venue)."""
        await self.venue.backfill_trades(symbol)

    # ---- dropping a broken book ----

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
        """Close the WebSocket connection(s) carrying `symbol` (all of the link's when none is found), so
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
