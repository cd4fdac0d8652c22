"""The product's own integrity checks on every raw book message of a streaming venue, around ccxt.pro's
handling of it (mmwatch.collector.stream_messages says what each venue's message carries):

- contiguous ids (Bybit u, KuCoin sequenceStart/End, KuCoin futures' per-change sequence, Gate
  spot.obu U/u): a message that does not follow the last one on its connection is a gap (a duplicate,
  not newer, is harmless: ignored);
- OKX's checksum of the best 25 levels, over the venue's own strings, against the book ccxt.pro
  keeps after applying the message;
- the update id the book reflects, for venues whose ccxt.pro book keeps none (Bybit, Bitget).
"""
from __future__ import annotations

import zlib
from typing import Callable

from mmwatch.collector.stream_messages import BookMessage, book_message

CHECKSUM_LEVELS = 25
Problem = tuple[str, str]  # (symbol, cause)


def signed_crc32(text: str) -> int:
    """CRC32 of `text` as the venues print it: a signed 32-bit integer."""
    value = zlib.crc32(text.encode())
    return value - 0x1_0000_0000 if value >= 0x8000_0000 else value


class StreamGuard:
    """One venue's checks. `handle(client, message, apply)` runs ccxt.pro's handling (`apply()`) and
    returns the problems found, as (symbol, "gap" | "checksum"); `update_id(symbol)` is the id of the
    newest book message applied."""

    def __init__(self, venue: str, markets: Callable[[], dict]):
        self.venue = venue
        self.markets = markets  # symbol -> ccxt market (the instance's, once loaded)
        self.symbols: set[str] = set()
        self._index: dict[tuple[str, bool | None], str] = {}
        self._last: dict[tuple[int, str], int] = {}
        self._strings: dict[tuple[int, str], tuple[dict, dict]] = {}
        self.update_ids: dict[str, int] = {}

    def watch(self, symbols) -> None:
        """The symbols whose books are watched."""
        self.symbols = set(symbols)

    def forget(self, symbol: str) -> None:
        """`symbol` is being subscribed afresh: its next message starts a new sequence."""
        for store in (self._last, self._strings):
            for key in [key for key in store if key[1] == symbol]:
                del store[key]

    def _symbol(self, parsed: BookMessage) -> str | None:
        key = (parsed.market_id, parsed.spot)
        if key not in self._index:
            markets = self.markets() or {}
            for symbol in self.symbols:
                market = markets.get(symbol)
                if market and market.get("id") == parsed.market_id and parsed.spot in (None, bool(market.get("spot"))):
                    self._index[key] = symbol
        return self._index.get(key)

    def handle(self, client, message, apply: Callable[[], object], books: dict) -> list[Problem]:
        """Check `message` (received on `client`), let ccxt.pro apply it, check the result."""
        parsed = book_message(self.venue, str(getattr(client, "url", "")), message)
        symbol = self._symbol(parsed) if parsed is not None else None
        if symbol is None:
            apply()
            return []
        key = (id(client), symbol)
        problems = []
        prev = self._last.get(key)
        newer = parsed.last is not None and (prev is None or parsed.last > prev)
        if parsed.contiguous and not parsed.snapshot and prev is not None and newer and parsed.first != prev + 1:
            problems.append((symbol, "gap"))
        if parsed.last is not None and (newer or parsed.snapshot):
            self._last[key] = parsed.last
        apply()
        if parsed.nonce is not None and (newer or parsed.snapshot):
            self.update_ids[symbol] = parsed.nonce
        if parsed.checksum is not None and not self._checksum_holds(key, parsed, books.get(symbol)):
            problems.append((symbol, "checksum"))
        return problems

    def _checksum_holds(self, key: tuple[int, str], parsed: BookMessage, book) -> bool:
        if parsed.snapshot or key not in self._strings:
            self._strings[key] = ({}, {})
        for side, levels in zip(self._strings[key], (parsed.bids, parsed.asks)):
            for level in levels:
                price = float(level[0])
                if float(level[1]) == 0:
                    side.pop(price, None)
                else:
                    side[price] = (str(level[0]), str(level[1]))
        if book is None:
            return True  # ccxt.pro dropped the book (it raises on its own)
        printed = []
        for side, levels in zip(self._strings[key], (book["bids"], book["asks"])):
            top = [side.get(level[0]) for level in levels[:CHECKSUM_LEVELS]]
            if None in top:
                return False  # a level ccxt.pro keeps that the venue never sent: the book is not the venue's
            printed.append(top)
        parts: list[str] = []
        for i in range(CHECKSUM_LEVELS):
            for side in printed:
                if i < len(side):
                    parts += side[i]
        return signed_crc32(":".join(parts)) == parsed.checksum
