"""One fetch of one market: an order book or the new trades; failures become fetch_errors rows.

A failed fetch never raises out of here and is never retried in a loop: the
error is recorded and the next cycle tries again (NetworkError family) or
keeps recording it (anything else).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import ccxt

from mmwatch.collector.rows import MarketRef, book_row, error_row, is_empty_book, trade_row
from mmwatch.errors import MmwatchError

log = logging.getLogger(__name__)
Rows = list[tuple[str, dict[str, Any]]]  # (dataset, row)
MAX_TRADE_PAGES = 5  # pages per cycle when a venue returns full pages (catching up after a gap)


def failure_rows(market: MarketRef, dataset: str, received_ts: int, exc: BaseException) -> Rows:
    """A failed fetch as a `fetch_errors` row (unexpected, non-ccxt errors are logged with their trace)."""
    if not isinstance(exc, (ccxt.BaseError, MmwatchError)):
        log.exception("unexpected error fetching %s %s %s", dataset, market.exchange, market.symbol)
    return [("fetch_errors", error_row(market, dataset, received_ts, type(exc).__name__, str(exc)))]


async def fetch_book(exchange, market: MarketRef, limit: int | None, clock: Callable[[], int]) -> Rows:
    """Fetch one order book: an `orderbooks` row, or a `fetch_errors` row (empty book = EmptyResponse)."""
    try:
        book = await exchange.fetch_order_book(market.symbol, limit)
    except Exception as exc:  # recorded as a fetch_errors row; the loop goes on
        return failure_rows(market, "orderbooks", clock(), exc)
    received_ts = clock()
    if is_empty_book(book):
        message = "both sides empty in a successful response (empty or unreadable body)"
        return [("fetch_errors", error_row(market, "orderbooks", received_ts, "EmptyResponse", message))]
    return [("orderbooks", book_row(market, book, received_ts))]


def trade_key(trade: dict) -> tuple:
    """What tells two trades apart: the id, else the whole content (a venue without ids)."""
    if trade.get("id") is not None:
        return ("id", str(trade["id"]))
    return ("content", trade.get("timestamp"), trade.get("price"), trade.get("amount"), trade.get("side"))


@dataclass
class TradeCursor:
    """Where the next trades fetch of one market starts: `since` (ms) and the trades already seen at it.

    The next request asks from `since` inclusive, so trades sharing the last
    timestamp are not missed; those already landed are dropped by key.
    """

    since: int | None
    seen_at_since: set[tuple] = field(default_factory=set)

    def take_new(self, trades: list[dict]) -> list[dict]:
        """The trades of a page not seen before; advances the cursor past them."""
        fresh = []
        for trade in trades:
            ts, key = trade.get("timestamp"), trade_key(trade)
            if ts is None or (self.since is not None and (ts < self.since or (ts == self.since and key in self.seen_at_since))):
                continue
            fresh.append(trade)
        for trade in fresh:
            ts = trade["timestamp"]
            if self.since is None or ts > self.since:
                self.since, self.seen_at_since = ts, set()
            if ts == self.since:
                self.seen_at_since.add(trade_key(trade))
        return fresh


async def fetch_new_trades(exchange, market: MarketRef, cursor: TradeCursor, clock: Callable[[], int],
                           page_limit: int = 1000) -> Rows:
    """Fetch the trades after the cursor (a few pages at most), as `trades` rows; errors as a `fetch_errors` row."""
    rows: Rows = []
    for _ in range(MAX_TRADE_PAGES):
        try:
            page = await exchange.fetch_trades(market.symbol, since=cursor.since, limit=page_limit)
        except Exception as exc:  # recorded as a fetch_errors row; the next cycle resumes from the cursor
            return rows + failure_rows(market, "trades", clock(), exc)
        received_ts = clock()
        fresh = cursor.take_new(page)
        rows += [("trades", trade_row(market, trade, received_ts)) for trade in fresh]
        if len(page) < page_limit or not fresh:
            break
    return rows
