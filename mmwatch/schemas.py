"""Column layouts of the landing zone and the lake (the contract between the
collector / capture import, the raw Dagster assets and the dbt sources).

Order-book levels are kept as ccxt gives them, a list of (price, amount)
structs per side, so DuckDB list functions can compute depth bands without
exploding rows.
"""
from __future__ import annotations

import polars as pl

from mmwatch.venues import MARKET_TYPES  # noqa: F401  (re-exported)

LEVEL = pl.Struct({"price": pl.Float64, "amount": pl.Float64})
LEVELS = pl.List(LEVEL)


# Landing zone: what was received, untouched.
LANDING_ORDERBOOKS = pl.Schema(
    {
        "exchange": pl.Utf8,
        "market_type": pl.Utf8,
        "symbol": pl.Utf8,
        "exchange_ts": pl.Int64,  # the venue's own timestamp, null when it gives none
        "received_ts": pl.Int64,  # when the response arrived (collector clock)
        "nonce": pl.Int64,
        "bids": LEVELS,
        "asks": LEVELS,
        "source": pl.Utf8,  # "collector" or "import:<file name>"
        "contract_size": pl.Float64,  # base units per contract; amounts are in contracts (1.0: base units)
    }
)

LANDING_TRADES = pl.Schema(
    {
        "exchange": pl.Utf8,
        "market_type": pl.Utf8,
        "symbol": pl.Utf8,
        "exchange_ts": pl.Int64,
        "received_ts": pl.Int64,
        "trade_id": pl.Utf8,
        "price": pl.Float64,
        "amount": pl.Float64,
        "side": pl.Utf8,  # taker side: "buy" / "sell", null when unknown
        "source": pl.Utf8,
        "contract_size": pl.Float64,  # base units per contract (1.0: amount is in base units)
    }
)

# A fetch that failed: recorded, never written as an empty book.
LANDING_FETCH_ERRORS = pl.Schema(
    {
        "exchange": pl.Utf8,
        "market_type": pl.Utf8,
        "symbol": pl.Utf8,
        "dataset": pl.Utf8,  # "orderbooks" / "trades"
        "received_ts": pl.Int64,  # when the attempt ended
        "error_class": pl.Utf8,  # ccxt exception class name, e.g. "RequestTimeout"
        "message": pl.Utf8,
    }
)

# Columns added after the first landing files were written: their value where a file or row lacks them.
COLUMN_DEFAULTS: dict[str, object] = {"contract_size": 1.0}

LANDING_SCHEMAS: dict[str, pl.Schema] = {
    "orderbooks": LANDING_ORDERBOOKS,
    "trades": LANDING_TRADES,
    "fetch_errors": LANDING_FETCH_ERRORS,
}

# Lake: landing columns plus the event time used for partitioning, a content
# key for de-duplication and the validity verdict of spec §1.
LAKE_ORDERBOOKS = pl.Schema(
    {
        **LANDING_ORDERBOOKS,
        "ts": pl.Int64,  # exchange_ts when given, else received_ts
        "snapshot_id": pl.Utf8,  # hash of market, ts and levels
        "is_valid": pl.Boolean,
        "invalid_reason": pl.Utf8,
    }
)

LAKE_TRADES = pl.Schema(
    {
        **LANDING_TRADES,
        "ts": pl.Int64,
        "trade_key": pl.Utf8,  # trade id, or a hash of (ts, price, amount, side)
    }
)

LAKE_FETCH_ERRORS = LANDING_FETCH_ERRORS

# lake table name -> landing data set it is built from
LAKE_TABLES = {
    "raw_orderbooks": "orderbooks",
    "raw_trades": "trades",
    "raw_fetch_errors": "fetch_errors",
}


def with_defaults(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every COLUMN_DEFAULTS column present and its nulls filled (older files lack them)."""
    return frame.with_columns(
        (pl.col(name).fill_null(value) if name in frame.columns else pl.lit(value)).alias(name)
        for name, value in COLUMN_DEFAULTS.items()
    )


def empty(schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


# Slower data sets (Dagster assets on schedules, assets/datasets_*.py): lake/<table>/day=D/exchange=X/.
# Every row: the market, `ts` (the venue's time of the reading, else received_ts) and `received_ts`.
# Amounts as ccxt gives them; `amount_unit` says 'base' or 'contracts' (× contract_size = base).
_READING = {"exchange": pl.Utf8, "market_type": pl.Utf8, "symbol": pl.Utf8, "ts": pl.Int64, "received_ts": pl.Int64}

LAKE_TICKERS = pl.Schema({
    **_READING, "last": pl.Float64, "bid": pl.Float64, "ask": pl.Float64, "open": pl.Float64, "high": pl.Float64,
    "low": pl.Float64, "change": pl.Float64, "percentage": pl.Float64, "base_volume": pl.Float64,
    "quote_volume": pl.Float64, "mark_price": pl.Float64, "index_price": pl.Float64,
    "amount_unit": pl.Utf8, "contract_size": pl.Float64,
})
LAKE_FUNDING = pl.Schema({
    **_READING, "funding_rate": pl.Float64, "next_funding_ts": pl.Int64, "funding_interval": pl.Utf8,
    "mark_price": pl.Float64, "index_price": pl.Float64,
})
LAKE_OPEN_INTEREST = pl.Schema({
    **_READING, "kind": pl.Utf8,  # 'now' (fetch_open_interest) / 'history_5m' (5-minute history)
    "open_interest_amount": pl.Float64, "open_interest_value": pl.Float64,  # value in quote currency
    "amount_unit": pl.Utf8, "contract_size": pl.Float64,
})
LAKE_LONG_SHORT_RATIOS = pl.Schema({
    **_READING, "kind": pl.Utf8,  # 'accounts' (global accounts) / 'top_positions' (top traders' positions)
    "period": pl.Utf8, "long_short_ratio": pl.Float64, "long_share": pl.Float64, "short_share": pl.Float64,
})
LAKE_FUND_FLOWS = pl.Schema({
    **_READING, "kind": pl.Utf8,  # 'fund_flow' (per trade class, period ending at ts) / 'whale_net_flow' (period from ts)
    "period": pl.Utf8, "whale_buy_volume": pl.Float64, "whale_sell_volume": pl.Float64,
    "dolphin_buy_volume": pl.Float64, "dolphin_sell_volume": pl.Float64, "fish_buy_volume": pl.Float64,
    "fish_sell_volume": pl.Float64, "net_flow": pl.Float64,  # quote currency
})
LAKE_CONTRACT_STATS = pl.Schema({
    **_READING, "interval": pl.Utf8, "open_interest": pl.Float64, "open_interest_usd": pl.Float64,
    "mark_price": pl.Float64, "lsr_taker": pl.Float64, "lsr_account": pl.Float64, "top_lsr_account": pl.Float64,
    "top_lsr_size": pl.Float64, "long_liq_size": pl.Float64, "long_liq_usd": pl.Float64,
    "short_liq_size": pl.Float64, "short_liq_usd": pl.Float64, "contract_size": pl.Float64,
})
LAKE_OHLCV = pl.Schema({
    **_READING, "open": pl.Float64, "high": pl.Float64, "low": pl.Float64, "close": pl.Float64,
    "volume": pl.Float64, "amount_unit": pl.Utf8, "contract_size": pl.Float64,
})

# data set -> (lake table, schema, key columns: one row per key in a partition)
DATASET_TABLES: dict[str, tuple[str, pl.Schema, tuple[str, ...]]] = {
    "tickers": ("raw_tickers", LAKE_TICKERS, ("market_type", "symbol", "ts")),
    "funding": ("raw_funding", LAKE_FUNDING, ("market_type", "symbol", "ts")),
    "open_interest": ("raw_open_interest", LAKE_OPEN_INTEREST, ("market_type", "symbol", "kind", "ts")),
    "long_short_ratio": ("raw_long_short_ratios", LAKE_LONG_SHORT_RATIOS, ("market_type", "symbol", "kind", "period", "ts")),
    "fund_flow": ("raw_fund_flows", LAKE_FUND_FLOWS, ("market_type", "symbol", "kind", "period", "ts")),
    "contract_stats": ("raw_contract_stats", LAKE_CONTRACT_STATS, ("market_type", "symbol", "interval", "ts")),
    "ohlcv": ("raw_ohlcv_1m", LAKE_OHLCV, ("market_type", "symbol", "ts")),
}
