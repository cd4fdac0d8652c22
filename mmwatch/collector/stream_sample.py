"""Sampling a maintained (streamed) order book into an ordinary `orderbooks` landing row.

Samples fall on a grid of `sample_every_ms` (every 1000 ms: at each whole second), so the instants
of all markets and venues line up; the row is what a REST snapshot would land (rows.book_row):
nonce = the venue's update id the book reflects, exchange_ts = the venue's time of that update,
received_ts = when the book was copied, the top `levels` levels of each side.
"""
from __future__ import annotations

from typing import Any

from mmwatch.collector.rows import MarketRef, book_row


def next_sample_ms(now_ms: int, every_ms: int) -> int:
    """The first grid instant after `now_ms`."""
    return (now_ms // every_ms + 1) * every_ms


def sample_row(market: MarketRef, book: dict | None, levels: int, now_ms: int,
               update_id: int | None = None) -> dict[str, Any] | None:
    """The landing row of `book` copied at `now_ms` (top `levels` per side), or None when there is no
    book to copy: none kept, no update id (the book's nonce, else `update_id`: the venue's id of the
    newest message applied, where ccxt.pro keeps none), or both sides empty."""
    nonce = book.get("nonce") if book is not None else None
    nonce = update_id if nonce is None else nonce
    if book is None or nonce is None:
        return None
    bids, asks = list(book["bids"][:levels]), list(book["asks"][:levels])
    if not bids and not asks:
        return None
    return book_row(market, {"timestamp": book.get("timestamp"), "nonce": nonce, "bids": bids, "asks": asks},
                    now_ms)
