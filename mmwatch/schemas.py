"""Column layouts of the landing zone and the lake (the contract between the
collector / capture import, the raw Dagster assets and the dbt sources).

Order-book levels are kept as ccxt gives them, a list of (price, amount)
structs per side, so DuckDB list functions can compute depth bands without
exploding rows.
"""
from __future__ import annotations

import polars as pl

LEVEL = pl.Struct({"price": pl.Float64, "amount": pl.Float64})
LEVELS = pl.List(LEVEL)

MARKET_TYPES = ("spot", "swap", "future")

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
