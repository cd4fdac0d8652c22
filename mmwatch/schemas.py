"""Polars schemas of the landing zone and the lake (the contract between the collector / capture
import, the raw Dagster assets and the dbt sources), derived from the one definition of every
table in `mmwatch.lake.tables` (write columns there, never here).

Order-book levels are kept as ccxt gives them, a list of (price, amount) structs per side, so
DuckDB list functions can compute depth bands without exploding rows.
"""
from __future__ import annotations

import polars as pl

from mmwatch.lake.columns import LEVELS  # noqa: F401  (re-exported)
from mmwatch.lake.tables import (
    DATASET_LAKE_TABLES, RAW_CONTRACT_STATS, RAW_FETCH_ERRORS, RAW_FUND_FLOWS, RAW_FUNDING, RAW_LONG_SHORT_RATIOS,
    RAW_OHLCV_1M, RAW_OPEN_INTEREST, RAW_ORDERBOOKS, RAW_TABLES, RAW_TICKERS, RAW_TRADES,
)
from mmwatch.venues import MARKET_TYPES  # noqa: F401  (re-exported)

LEVEL = LEVELS.inner

# Landing zone: what was received, untouched.
LANDING_ORDERBOOKS = RAW_ORDERBOOKS.landing_schema
LANDING_TRADES = RAW_TRADES.landing_schema
LANDING_FETCH_ERRORS = RAW_FETCH_ERRORS.landing_schema  # a fetch that failed: recorded, never an empty book

# Columns added after the first landing files were written: their value where a file or row lacks them.
COLUMN_DEFAULTS: dict[str, object] = {"contract_size": 1.0}

# landing data set -> its columns
LANDING_SCHEMAS: dict[str, pl.Schema] = {table.dataset: table.landing_schema for table in RAW_TABLES}

# Lake: landing columns plus the event time used for partitioning, a content key for
# de-duplication and the validity verdict of spec §1.
LAKE_ORDERBOOKS = RAW_ORDERBOOKS.schema
LAKE_TRADES = RAW_TRADES.schema
LAKE_FETCH_ERRORS = RAW_FETCH_ERRORS.schema

# lake table name -> landing data set it is built from
LAKE_TABLES: dict[str, str] = {table.name: table.dataset for table in RAW_TABLES}


def with_defaults(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every COLUMN_DEFAULTS column present and its nulls filled (older files lack them)."""
    return frame.with_columns(
        (pl.col(name).fill_null(value) if name in frame.columns else pl.lit(value)).alias(name)
        for name, value in COLUMN_DEFAULTS.items()
    )


def empty(schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


# Slower data sets (Dagster assets on schedules): lake/<table>/day=D/exchange=X/.
LAKE_TICKERS = RAW_TICKERS.schema
LAKE_FUNDING = RAW_FUNDING.schema
LAKE_OPEN_INTEREST = RAW_OPEN_INTEREST.schema
LAKE_LONG_SHORT_RATIOS = RAW_LONG_SHORT_RATIOS.schema
LAKE_FUND_FLOWS = RAW_FUND_FLOWS.schema
LAKE_CONTRACT_STATS = RAW_CONTRACT_STATS.schema
LAKE_OHLCV = RAW_OHLCV_1M.schema

# data set -> (lake table, schema, key columns: one row per key in a partition)
DATASET_TABLES: dict[str, tuple[str, pl.Schema, tuple[str, ...]]] = {
    table.dataset: (table.name, table.schema, table.keys) for table in DATASET_LAKE_TABLES
}
