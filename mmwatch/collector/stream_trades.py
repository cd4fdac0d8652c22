"""Streamed trades of one market, each landed once: de-duplicated by trade id across the stream, the
REST backfill after a reconnect and the REST polling of a fallback.

The REST side keeps a TradeCursor (the newest timestamp and the keys seen at it); `cursor()` hands
the stream's position to REST, `absorb(cursor)` takes REST's back (trades older than what REST
covered are dropped, the keys at its newest timestamp are remembered).
"""
from __future__ import annotations

from collections import OrderedDict

from mmwatch.collector.fetchers import TradeCursor, trade_key

RECENT_KEYS = 20_000  # trade keys remembered per market (a duplicate older than this many trades is unlikely)


class TradeDedup:
    """The trades of one market not landed yet, from any source; `floor_ms`: older trades are dropped."""

    def __init__(self, floor_ms: int | None, recent: int = RECENT_KEYS):
        self.floor_ms = floor_ms
        self.recent = recent
        self._seen: OrderedDict[tuple, int | None] = OrderedDict()
        self.newest_ms: int | None = None
        self.duplicates = 0

    def take(self, trades: list[dict]) -> list[dict]:
        """The trades not landed before (in the order given); remembers them."""
        fresh = []
        for trade in trades:
            ts, key = trade.get("timestamp"), trade_key(trade)
            if key in self._seen or ts is None or (self.floor_ms is not None and ts < self.floor_ms):
                self.duplicates += key in self._seen
                continue
            self._remember(key, ts)
            fresh.append(trade)
        return fresh

    def _remember(self, key: tuple, ts: int | None) -> None:
        self._seen[key] = ts
        if len(self._seen) > self.recent:
            self._seen.popitem(last=False)
        if ts is not None and (self.newest_ms is None or ts > self.newest_ms):
            self.newest_ms = ts

    def cursor(self) -> TradeCursor:
        """Where REST continues from: the newest trade landed (its keys at that timestamp), else the floor."""
        if self.newest_ms is None:
            return TradeCursor(self.floor_ms)
        return TradeCursor(self.newest_ms, {key for key, ts in self._seen.items() if ts == self.newest_ms})

    def absorb(self, cursor: TradeCursor) -> None:
        """REST landed every trade up to `cursor` (its keys at `cursor.since`): the stream lands only newer ones."""
        if cursor.since is None:
            return
        self.floor_ms = cursor.since if self.floor_ms is None else max(self.floor_ms, cursor.since)
        for key in cursor.seen_at_since:
            self._remember(key, cursor.since)
