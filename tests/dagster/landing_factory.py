"""Hand-made landing rows for the Dagster tests."""
from __future__ import annotations

import polars as pl

from mmwatch.schemas import LANDING_FETCH_ERRORS, LANDING_ORDERBOOKS, LANDING_TRADES

# 2026-11-20 00:00:00 UTC in ms
DAY = "2026-11-20"
DAY_START_MS = 1_795_132_800_000


def levels(*pairs: tuple[float, float]) -> list[dict[str, float]]:
    """Order-book levels from (price, amount) pairs."""
    return [{"price": price, "amount": amount} for price, amount in pairs]


def book(ts_offset_ms: int, bids, asks, *, exchange="binance", symbol="BTC/USDT", market_type="spot",
         exchange_ts: bool = True, received_delay_ms: int = 20, source="collector") -> dict:
    """One landing order-book row at DAY_START_MS + ts_offset_ms."""
    ts = DAY_START_MS + ts_offset_ms
    return {
        "exchange": exchange, "market_type": market_type, "symbol": symbol,
        "exchange_ts": ts if exchange_ts else None, "received_ts": ts + (received_delay_ms if exchange_ts else 0),
        "nonce": None, "bids": bids, "asks": asks, "source": source,
    }


def books_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LANDING_ORDERBOOKS)


def trade(ts_offset_ms: int, price: float, amount: float, side: str | None, trade_id: str | None,
          *, exchange="binance", symbol="BTC/USDT") -> dict:
    ts = DAY_START_MS + ts_offset_ms
    return {"exchange": exchange, "market_type": "spot", "symbol": symbol, "exchange_ts": ts,
            "received_ts": ts + 5, "trade_id": trade_id, "price": price, "amount": amount,
            "side": side, "source": "collector"}


def trades_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LANDING_TRADES)


def fetch_error(ts_offset_ms: int, error_class: str, *, exchange="binance") -> dict:
    return {"exchange": exchange, "market_type": "spot", "symbol": "BTC/USDT", "dataset": "orderbooks",
            "received_ts": DAY_START_MS + ts_offset_ms, "error_class": error_class, "message": "timed out"}


def fetch_errors_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LANDING_FETCH_ERRORS)
