"""The watch loops of one streamed market: its order book (watch_order_book, kept in sync or
resubscribed) and its trades (watch_trades, each landed once), with exponential backoff between attempts.

Both loops only call ccxt.pro and tell their connection (mmwatch.collector.stream_link.Link, passed as
`venue`) what happened; it passes on to the venue (StreamVenue: sync state, rows, the REST fallback)
what concerns a market sampled on it.
"""
from __future__ import annotations

import asyncio
import logging

from mmwatch.collector.stream_sync import cause_of

log = logging.getLogger(__name__)
BACKOFF_FIRST_MS = 250
BACKOFF_MAX_MS = 15_000
# causes after which the first resubscription goes out at once: the connection is fine (gap, checksum)
# or the server asked us to reconnect (server_close, reconnect)
RETRY_AT_ONCE = frozenset({"gap", "checksum", "server_close", "reconnect"})
# a resubscription (book snapshot included) that takes longer than this is given up and retried
RESUBSCRIBE_TIMEOUT_MS = 10_000


class Backoff:
    """Delays between attempts: none for the first after a RETRY_AT_ONCE cause, then 250 ms doubling
    up to BACKOFF_MAX_MS; `reset()` after a success."""

    def __init__(self, first_ms: int = BACKOFF_FIRST_MS, max_ms: int = BACKOFF_MAX_MS):
        self.first_ms, self.max_ms = first_ms, max_ms
        self.failures = 0

    def next_ms(self, cause: str) -> int:
        """The wait before the next attempt after a failure of `cause`."""
        self.failures += 1
        if self.failures == 1 and cause in RETRY_AT_ONCE:
            return 0
        return min(self.max_ms, self.first_ms * 2 ** (self.failures - 1))

    def reset(self) -> None:
        """The last attempt succeeded."""
        self.failures = 0

    async def wait(self, cause: str) -> None:
        """Sleep before the next attempt."""
        delay = self.next_ms(cause)
        if delay:
            await asyncio.sleep(delay / 1000)


def _outcome(task: asyncio.Future) -> tuple[object, BaseException | None, bool]:
    """(result, error, cancelled) of a finished watch."""
    if task.cancelled():
        return None, None, True
    return (None, task.exception(), False) if task.exception() is not None else (task.result(), None, False)


async def watch_book(venue, symbol: str) -> None:
    """Keep `symbol`'s book in sync until cancelled: every successful watch marks it in sync, any
    exception, a stall (no update for stall_after_s) or a reconnect out of sync at once, then resubscribe."""
    backoff = Backoff()
    state = venue.sync[symbol]
    pending: asyncio.Future | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(venue.pro.watch_order_book(symbol, venue.watch_limit))
            if state.in_sync:
                timeout_ms = state.stall_ms - (venue.clock() - state.last_update_ms)
            else:
                timeout_ms = max(state.stall_ms, RESUBSCRIBE_TIMEOUT_MS)
            done, _ = await asyncio.wait({pending}, timeout=max(0, timeout_ms) / 1000)
            now = venue.clock()
            if not done:
                if not state.in_sync or state.stalled(now):
                    cause = "stall" if state.in_sync else "resubscribe_timeout"
                    venue.lost(symbol, cause, now)
                    pending.cancel()
                    pending = None
                    await venue.resubscribe(symbol)
                    await backoff.wait(cause)
                continue
            book, error, cancelled = _outcome(pending)
            pending = None
            if cancelled or error is not None:
                cause = "reconnect" if cancelled else cause_of(venue.exchange_id, error)
                if error is not None and not state.in_sync:
                    log.debug("%s %s: watch_order_book failed again: %s", venue.exchange_id, symbol, error)
                venue.lost(symbol, cause, now, error)
                await backoff.wait(cause)
                continue
            backoff.reset()
            venue.updated(symbol, now, venue.nonce_of(symbol, book))
    finally:
        if pending is not None:
            pending.cancel()


async def watch_trades(venue, symbol: str) -> None:
    """Land `symbol`'s streamed trades until cancelled (each once); after the stream broke, the trades
    missed meanwhile are fetched over REST first."""
    backoff = Backoff()
    broken = False
    while True:
        task = asyncio.ensure_future(venue.pro.watch_trades(symbol))
        try:
            await asyncio.wait({task})
        finally:
            task.cancel()
        trades, error, cancelled = _outcome(task)
        if cancelled or error is not None:
            cause = "reconnect" if cancelled else cause_of(venue.exchange_id, error)
            if not broken:
                log.info("%s %s: trade stream broke (%s: %s); reconnecting", venue.exchange_id, symbol, cause, error)
            broken = True
            await backoff.wait(cause)
            continue
        backoff.reset()
        if broken:
            await venue.backfill_trades(symbol)
            broken = False
        venue.land_trades(symbol, trades, venue.clock())
