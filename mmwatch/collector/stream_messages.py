"""What a venue's raw WebSocket book message says about the book's update ids, read before ccxt.pro
handles it: the integrity checks ccxt.pro 4.5.90 does not make, and the update id it does not keep.

- Bybit `orderbook.<depth>.<id>`: u per message, contiguous (checked), seq the cross sequence (the
  update id landed); ccxt.pro checks nothing and keeps no nonce.
- KuCoin `/market/level2:<id>`: sequenceStart..sequenceEnd, contiguous; ccxt.pro checks nothing.
- KuCoin futures `/contractMarket/level2:<id>`: one change per message, its sequence = the previous
  one + 1 (contiguous); ccxt.pro checks none after its first sync (keeps it as the nonce).
- Gate `spot.obu` (ob.<id>.<depth>): U..u, contiguous ("full": a snapshot); ccxt.pro checks nothing.
- OKX `books`: seqId/prevSeqId (ccxt.pro checks) and a CRC32 checksum of the best 25 levels that
  ccxt.pro does not verify (the venue's strings are needed: kept in mmwatch.collector.stream_guard).
- Bitget `books*`: seq (ccxt.pro checks the checksum but keeps no nonce).
The Binance family and Gate futures books are checked by ccxt.pro itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# venues whose book stream sends one message per changed level (a redraw of a 100-level book: ~200
# messages), not one per update of many levels: the heavy ones for a collector process to carry
PER_LEVEL_BOOK_MESSAGES = frozenset({"kucoinfutures"})


@dataclass(frozen=True)
class BookMessage:
    """One book message as the venue sent it: ids first..last (one id: first == last), whether it is a
    snapshot, whether its ids must be contiguous (checked by us), the checksum to verify (by us) and
    the raw [price, amount] strings it carries (for that checksum)."""

    market_id: str
    spot: bool | None  # None: the market id alone names the market on this venue
    first: int | None
    last: int | None
    snapshot: bool
    contiguous: bool = False
    checksum: int | None = None
    bids: list = field(default_factory=list)
    asks: list = field(default_factory=list)
    update_id: int | None = None  # the id landed as the book's nonce, when not `last`

    @property
    def nonce(self) -> int | None:
        """The update id the book reflects once this message is applied."""
        return self.last if self.update_id is None else self.update_id


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bybit(url: str, message: dict) -> BookMessage | None:
    if not str(message.get("topic", "")).startswith("orderbook."):
        return None
    data = message.get("data") or {}
    u = _int(data.get("u"))
    return BookMessage(str(data.get("s")), "/spot" in url, u, u, message.get("type") == "snapshot", contiguous=True,
                       update_id=_int(data.get("seq")))


def _kucoin(url: str, message: dict) -> BookMessage | None:
    topic = str(message.get("topic", ""))
    if message.get("subject") != "trade.l2update" or not topic.startswith("/market/level2:"):
        return None
    data = message.get("data") or {}
    return BookMessage(topic.split(":", 1)[1], None, _int(data.get("sequenceStart")), _int(data.get("sequenceEnd")),
                       False, contiguous=True)


def _kucoinfutures(url: str, message: dict) -> BookMessage | None:
    topic = str(message.get("topic", ""))
    if message.get("subject") != "level2" or not topic.startswith("/contractMarket/level2:"):
        return None
    seq = _int((message.get("data") or {}).get("sequence"))
    return BookMessage(topic.split(":", 1)[1], None, seq, seq, False, contiguous=True)


def _gate(url: str, message: dict) -> BookMessage | None:
    if message.get("channel") != "spot.obu" or message.get("event") != "update":
        return None
    result = message.get("result") or {}
    parts = str(result.get("s", "")).split(".")
    if len(parts) < 2:
        return None
    full = bool(result.get("full"))
    return BookMessage(parts[1], True, _int(result.get("U")), _int(result.get("u")), full, contiguous=True)


def _okx(url: str, message: dict) -> BookMessage | None:
    arg = message.get("arg") or {}
    if not str(arg.get("channel", "")).startswith("books") or "action" not in message or not message.get("data"):
        return None
    data = message["data"][0]
    seq = _int(data.get("seqId"))
    return BookMessage(str(arg.get("instId")), None, seq, seq, message["action"] == "snapshot",
                       checksum=_int(data.get("checksum")), bids=data.get("bids") or [], asks=data.get("asks") or [])


def _bitget(url: str, message: dict) -> BookMessage | None:
    arg = message.get("arg") or {}
    if not str(arg.get("channel", "")).startswith("books") or not message.get("data"):
        return None
    seq = _int(message["data"][0].get("seq"))
    return BookMessage(str(arg.get("instId")), arg.get("instType") == "SPOT", seq, seq,
                       message.get("action") == "snapshot")


PARSERS = {"bybit": _bybit, "kucoin": _kucoin, "kucoinfutures": _kucoinfutures, "gate": _gate, "okx": _okx,
           "bitget": _bitget}


def book_message(venue: str, url: str, message: object) -> BookMessage | None:
    """The book ids of `message` (a decoded frame received on `url`), or None (not a book message,
    or a venue whose books ccxt.pro checks and numbers itself)."""
    parser = PARSERS.get(venue)
    if parser is None or not isinstance(message, dict):
        return None
    try:
        return parser(url, message)
    except (AttributeError, IndexError, KeyError, TypeError):
        return None  # not the shape we read: ccxt.pro decides what it is
