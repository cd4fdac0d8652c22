"""Whether a streamed order book may be sampled: one market's sync state, and why it was lost.

A market is in sync once its book is rebuilt (the first successful watch after subscribing: the
venue's snapshot and every update since) and a live update has been applied on top (a later successful
watch with another update id: the stream flows, a snapshot taken during a stall is not enough), until
the first sign that it may not be: an exception from watch_order_book (a
sequence gap, a failed checksum, a dropped connection, a server close), a stall (no update for
`stall_after_s`) or a reconnect. It is out of sync from that instant until the next successful watch
after resubscribing. Each such interval is recorded when it ends, as a `fetch_errors` row of the
orderbooks data set (error_class StreamOutOfSync) naming its cause and duration, so the time shows
as our gap in coverage (no book is sampled inside it), never as a market maker's breach.
"""
from __future__ import annotations

from dataclasses import dataclass

import ccxt

from mmwatch.collector.rows import MarketRef, error_row

OUT_OF_SYNC = "StreamOutOfSync"
# ccxt.pro raises ChecksumError for a broken id sequence on these (the venues send no checksum)
GAP_AS_CHECKSUM = frozenset({"binance", "binanceusdm", "binancecoinm", "gate"})
# WebSocket close codes a server sends when it ends a connection on purpose (Binance's 24 h roll-over)
SERVER_CLOSE_CODES = ("1000", "1001", "1012")
# causes that say only that the watch ended, not why: a more telling one seen before the resync replaces
# them (Bitget: ccxt.pro unsubscribes a broken book, UnsubscribeError, then raises its ChecksumError)
WEAK_CAUSES = frozenset({"unsubscribed", "error"})


def cause_of(venue: str, error: BaseException) -> str:
    """Why a watch_order_book exception means the book may be wrong: gap, checksum, server_close,
    disconnect, or error (anything else, e.g. the snapshot request failed)."""
    if isinstance(error, ccxt.UnsubscribeError):
        return "unsubscribed"
    if isinstance(error, ccxt.ChecksumError):  # before InvalidNonce, its base class
        return "gap" if venue in GAP_AS_CHECKSUM else "checksum"
    if isinstance(error, ccxt.InvalidNonce):
        return "gap"
    if isinstance(error, ccxt.NetworkError):
        text = str(error)
        if "closed by remote server" in text and text.rsplit(" ", 1)[-1] in SERVER_CLOSE_CODES:
            return "server_close"
        return "disconnect"
    return "error"


@dataclass(frozen=True)
class Unsynced:
    """One ended interval without a trustworthy book: [from_ms, to_ms) and its cause."""

    cause: str
    from_ms: int
    to_ms: int

    @property
    def unsynced_ms(self) -> int:
        """How long the book was out of sync."""
        return self.to_ms - self.from_ms

    def message(self) -> str:
        """The fetch_errors message: cause=<..> unsynced_ms=<n> from=<ms> to=<ms>."""
        return f"cause={self.cause} unsynced_ms={self.unsynced_ms} from={self.from_ms} to={self.to_ms}"

    def row(self, market: MarketRef) -> dict:
        """The `fetch_errors` landing row recording this interval (received when it ended)."""
        return error_row(market, "orderbooks", self.to_ms, OUT_OF_SYNC, self.message())


class SyncState:
    """One market's book: in sync or not, since when, and the newest update seen.

    `updated(now, nonce)` after each successful watch (the book's update id), `lost(cause, now)` on any
    sign of trouble, `stalled(now)` asks whether the book went without an update for `stall_ms`. The
    first sync after a start is not an interval of its own (nothing was lost); every later one ends the
    interval `lost` opened.
    """

    def __init__(self, stall_ms: int):
        self.stall_ms = stall_ms
        self.in_sync = False
        self.cause: str | None = None
        self.since_ms: int | None = None  # start of the current out-of-sync interval (None: none open)
        self.last_update_ms: int | None = None
        self.rebuilt = False  # out of sync: the book was rebuilt (one successful watch), awaiting a live update
        self.rebuilt_nonce: int | None = None
        self.resubscribing = False  # the broken book is being dropped: nothing it shows counts
        self.resyncs = 0

    def updated(self, now_ms: int, nonce: int | None) -> Unsynced | None:
        """A successful watch at `now_ms` showing update id `nonce`; returns the interval it ends, if any."""
        self.last_update_ms = now_ms
        if self.in_sync or self.resubscribing:
            return None
        if not self.rebuilt or (nonce is not None and nonce == self.rebuilt_nonce):
            self.rebuilt, self.rebuilt_nonce = True, nonce
            return None
        ended = None
        if self.since_ms is not None:
            ended = Unsynced(self.cause or "error", self.since_ms, now_ms)
            self.resyncs += 1
        self.in_sync = True
        self.cause, self.since_ms = None, None
        return ended

    def lost(self, cause: str, now_ms: int) -> bool:
        """The book may be wrong from `now_ms`; True when this opens a new interval (its first cause is kept
        while it stays open, unless that one was weak: WEAK_CAUSES). Before the first sync nothing is lost (the market was never sampled)."""
        self.rebuilt, self.rebuilt_nonce = False, None
        if not self.in_sync:
            if self.since_ms is not None and self.cause in WEAK_CAUSES and cause not in WEAK_CAUSES:
                self.cause = cause
            return False
        self.in_sync = False
        self.cause, self.since_ms = cause, now_ms
        return True

    def stalled(self, now_ms: int) -> bool:
        """True when the book is in sync but its newest update is older than `stall_ms`."""
        return self.in_sync and self.last_update_ms is not None and now_ms - self.last_update_ms >= self.stall_ms

    def close(self, now_ms: int) -> Unsynced | None:
        """At shutdown: the interval still open, ended now (so no unsynchronised time goes unrecorded)."""
        if self.in_sync or self.since_ms is None:
            return None
        ended = Unsynced(self.cause or "error", self.since_ms, now_ms)
        self.since_ms = None
        return ended
