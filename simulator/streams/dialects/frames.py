"""What the OKX, Bitget and Bybit stream dialects share: level printing, JSON frames, and the OKX /
Bitget request handling (`on_op_args`) and checksummed book messages (`checksummed`).

The checksum (OKX and Bitget): the best 25 levels of each side, interleaved as bid1 price:bid1
amount:ask1 price:ask1 amount:bid2 ... (a side with fewer levels simply stops contributing), using
the price and amount strings exactly as sent, then CRC32 as a signed 32-bit integer.
ccxt.pro.bitget recomputes it over the strings it stored and raises ChecksumError on a mismatch;
ccxt.pro.okx (4.5.90) does not verify it.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

import orjson

from simulator.book import Book
from simulator.market import MarketModel
from simulator.venue_numbers import level_strings

CHECKSUM_LEVELS = 25
Level = tuple[float, float]


def dumps(messages: Sequence[object]) -> list[str]:
    """Messages as text frames (a str is sent as it is)."""
    return [m if isinstance(m, str) else orjson.dumps(m).decode() for m in messages]


def op_args(text: str) -> list[tuple[str, dict]]:
    """An OKX/Bitget request {"op": "subscribe"|"unsubscribe", "args": [{...}]} → [(op, arg), ...];
    ValueError when it is not one."""
    request = orjson.loads(text)
    op = request.get("op") if isinstance(request, dict) else None
    args = request.get("args") if isinstance(request, dict) else None
    if op not in ("subscribe", "unsubscribe") or not isinstance(args, list) or \
            not all(isinstance(arg, dict) for arg in args):
        raise ValueError(text)
    return [(op, arg) for arg in args]


def rows(model: MarketModel, side: Sequence[Level]) -> list[tuple[str, str]]:
    """(price, amount) strings as REST prints them; a removed level (amount 0) prints amount "0"."""
    printed = level_strings(list(side), model.price_decimals, model.amount_decimals)
    return [(px, sz if amount else "0") for (px, sz), (_, amount) in zip(printed, side)]


def sides(book: Book, depth: int | None = None) -> tuple[list[Level], list[Level]]:
    """(bids, asks) of `book` cut to `depth` (None = all); a book that is not 'ok' is empty."""
    if book.status != "ok":
        return [], []
    return (book.bids, book.asks) if depth is None else (book.bids[:depth], book.asks[:depth])


def checksum_payload(bids: Sequence[Sequence[str]], asks: Sequence[Sequence[str]],
                     levels: int = CHECKSUM_LEVELS) -> str:
    """The string the venue checksums: the first `levels` (price, amount) strings of each side, interleaved."""
    parts: list[str] = []
    for i in range(levels):
        if i < len(bids):
            parts += bids[i][:2]
        if i < len(asks):
            parts += asks[i][:2]
    return ":".join(parts)


def signed_crc32(text: str) -> int:
    """CRC32 of `text` (UTF-8) as a signed 32-bit integer."""
    value = zlib.crc32(text.encode())
    return value - 0x1_0000_0000 if value >= 0x8000_0000 else value


def book_checksum(model: MarketModel, bids: Sequence[Level], asks: Sequence[Level]) -> int:
    """The venue's checksum of a book (levels best first), printed as the venue prints it."""
    return signed_crc32(checksum_payload(rows(model, bids[:CHECKSUM_LEVELS]), rows(model, asks[:CHECKSUM_LEVELS])))


def wrong(checksum: int) -> int:
    """A checksum that is certainly not `checksum` (the bad_checksum fault)."""
    return checksum ^ 0x5A5A


class Target(NamedTuple):
    """What one OKX/Bitget subscribe arg names: the stream to start or stop and the reply's fields."""

    kind: str  # 'book' or 'trades'
    model: MarketModel
    key: str
    depth: int | None
    channel: str
    reply: dict  # the acknowledgement's fields besides "event"


def on_op_args(session, text: str, resolve: Callable[[object, dict], "Target | dict"],
               malformed: Callable[[str], dict]) -> list[str]:
    """OKX/Bitget: "ping" → "pong"; each subscribe/unsubscribe arg → `resolve(session, arg)` (a Target,
    or the error message to answer) → the stream started/stopped and {"event": op, **reply}."""
    if text == "ping":
        return ["pong"]
    try:
        requests = op_args(text)
    except ValueError:
        return dumps([malformed(text)])
    replies: list[object] = []
    for op, arg in requests:
        target = resolve(session, arg)
        if not isinstance(target, Target):
            replies.append(target)
            continue
        if op == "subscribe":
            session.subscribe(target.kind, target.model, target.key, target.depth, channel=target.channel)
        else:
            session.unsubscribe(target.key)
        replies.append({"event": op, **target.reply})
    return dumps(replies)


def checksummed(build: Callable[..., dict], sub, update, action: str | None) -> list[str]:
    """OKX/Bitget: the frame of one book push built by `build(model, channel, action, bids, asks,
    checksum, update_id, prev_id, ts_ms)`; action "update" sends the changed levels, any other the
    whole book cut to the subscription's depth (prevSeqId -1 on a "snapshot"); the checksum is of
    the book after the push, wrong when the bad_checksum fault asks."""
    whole = sides(update.book, sub.depth)
    bids, asks = (update.bids, update.asks) if action == "update" else whole
    checksum = book_checksum(sub.model, *whole)
    prev_id = -1 if action == "snapshot" else update.prev_id
    return dumps([build(sub.model, sub.state["channel"], action, bids, asks,
                        wrong(checksum) if update.bad_checksum else checksum, update.last_id, prev_id,
                        update.event_ms)])
