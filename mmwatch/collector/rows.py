"""Rows of the landing data sets, built from ccxt responses (see mmwatch/schemas.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mmwatch.collector.venues import is_inverse


@dataclass(frozen=True)
class MarketRef:
    """One collected market: the venue, its ccxt symbol and market type."""

    exchange: str
    symbol: str
    market_type: str
    # ccxt contractSize (amounts of books and trades are in contracts): base units per contract,
    # quote units per contract on an inverse market
    contract_size: float = 1.0

    @property
    def inverse(self) -> bool:
        """An inverse contract (BASE/QUOTE:BASE): one contract is contract_size / price base units."""
        return is_inverse(self.symbol)


Level = tuple[float, float]  # (price, amount): a level of a book row, in the landing schema's field order


def _levels(levels: list | None) -> tuple[Level, ...]:
    """ccxt levels ([price, amount] or [price, amount, count]) as (price, amount) pairs, in order.

    Tuples of floats, not lists or dicts: the garbage collector stops tracking a tuple of untracked
    atoms (and then the row holding it) at its first collection, so the minute of rows a landing
    buffer holds (1.4 M levels at 200 streamed markets) is not walked again by every full
    collection; walking it stalled the collector's event loop ~100-200 ms a few times a minute
    (docs/benchmarks.md 'Issue 17'). A tuple of dicts stays tracked for good."""
    return tuple((level[0], level[1]) for level in levels or ())


def level_pairs(levels) -> list[list[float]]:
    """[[price, amount], ...] of a row's levels, (price, amount) pairs or {price, amount} dicts."""
    return [[level["price"], level["amount"]] if isinstance(level, dict) else [level[0], level[1]]
            for level in levels or ()]


def is_empty_book(book: dict) -> bool:
    """A book with both sides empty: ccxt returns this for a 200 with an empty body, so it is a failed fetch."""
    return not book.get("bids") and not book.get("asks")


def book_row(market: MarketRef, book: dict, received_ts: int) -> dict[str, Any]:
    """An `orderbooks` landing row from a ccxt order book."""
    return {"exchange": market.exchange, "market_type": market.market_type, "symbol": market.symbol,
            "exchange_ts": book.get("timestamp"), "received_ts": received_ts, "nonce": book.get("nonce"),
            "bids": _levels(book.get("bids")), "asks": _levels(book.get("asks")), "source": "collector",
            "contract_size": market.contract_size}


def trade_row(market: MarketRef, trade: dict, received_ts: int) -> dict[str, Any]:
    """A `trades` landing row from a ccxt trade."""
    trade_id = trade.get("id")
    return {"exchange": market.exchange, "market_type": market.market_type, "symbol": market.symbol,
            "exchange_ts": trade.get("timestamp"), "received_ts": received_ts,
            "trade_id": None if trade_id is None else str(trade_id), "price": trade.get("price"),
            "amount": trade.get("amount"), "side": trade.get("side"), "source": "collector",
            "contract_size": market.contract_size}


def error_row(market: MarketRef, dataset: str, received_ts: int, error_class: str, message: str) -> dict[str, Any]:
    """A `fetch_errors` landing row: one failed fetch of `dataset` for `market`."""
    return {"exchange": market.exchange, "market_type": market.market_type, "symbol": market.symbol,
            "dataset": dataset, "received_ts": received_ts, "error_class": error_class, "message": message[:500]}


REFUSED_AT_DOOR = "RefusedAtDoor"


def refusal_rows(dataset: str, rows: list[dict[str, Any]], reasons: dict[int, str]) -> list[dict[str, Any]]:
    """`fetch_errors` rows for the rows (by index) the door refused: the fetch is recorded as failed with
    error_class RefusedAtDoor and the door's reason (mmwatch.door.rules)."""
    return [{"exchange": rows[index]["exchange"], "market_type": rows[index]["market_type"],
             "symbol": rows[index]["symbol"], "dataset": dataset, "received_ts": rows[index]["received_ts"],
             "error_class": REFUSED_AT_DOOR, "message": f"refused at the door: {reason}"[:500]}
            for index, reason in reasons.items()]
