"""Pandera (polars backend) models of the lake tables, checked before every write."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import pandera.polars as pa
import polars as pl

from assets.raw_rules import INVALID_REASONS
from mmwatch.errors import MmwatchError
from mmwatch.schemas import LEVELS, MARKET_TYPES


class LakeSchemaError(MmwatchError):
    """Rows about to enter the lake break the lake schema."""


class _Market(pa.DataFrameModel):
    exchange: str = pa.Field(nullable=False)
    market_type: str = pa.Field(nullable=False, isin=list(MARKET_TYPES))
    symbol: str = pa.Field(nullable=False, str_length={"min_value": 3})

    class Config:
        strict = True  # no column beyond the lake schema
        ordered = True


class RawOrderbooks(_Market):
    exchange_ts: Optional[pl.Int64] = pa.Field(nullable=True)
    received_ts: pl.Int64 = pa.Field(nullable=False)
    nonce: Optional[pl.Int64] = pa.Field(nullable=True)
    bids: LEVELS = pa.Field(nullable=False)
    asks: LEVELS = pa.Field(nullable=False)
    source: str = pa.Field(nullable=False)
    contract_size: pl.Float64 = pa.Field(nullable=False, gt=0)
    ts: pl.Int64 = pa.Field(nullable=False)
    snapshot_id: str = pa.Field(nullable=False, unique=True)
    is_valid: bool = pa.Field(nullable=False)
    invalid_reason: Optional[str] = pa.Field(nullable=True, isin=list(INVALID_REASONS))

    @pa.dataframe_check(error="is_valid must be true exactly when invalid_reason is null")
    def valid_iff_no_reason(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("is_valid") == pl.col("invalid_reason").is_null())


class RawTrades(_Market):
    exchange_ts: Optional[pl.Int64] = pa.Field(nullable=True)
    received_ts: pl.Int64 = pa.Field(nullable=False)
    trade_id: Optional[str] = pa.Field(nullable=True)
    price: pl.Float64 = pa.Field(nullable=False)
    amount: pl.Float64 = pa.Field(nullable=False)
    side: Optional[str] = pa.Field(nullable=True, isin=["buy", "sell"])
    source: str = pa.Field(nullable=False)
    contract_size: pl.Float64 = pa.Field(nullable=False, gt=0)
    ts: pl.Int64 = pa.Field(nullable=False)
    trade_key: str = pa.Field(nullable=False)


class RawFetchErrors(_Market):
    dataset: str = pa.Field(nullable=False, isin=["orderbooks", "trades"])
    received_ts: pl.Int64 = pa.Field(nullable=False)
    error_class: str = pa.Field(nullable=False)
    message: Optional[str] = pa.Field(nullable=True)


LAKE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "raw_orderbooks": RawOrderbooks,
    "raw_trades": RawTrades,
    "raw_fetch_errors": RawFetchErrors,
}


def check_lake_frame(table: str, frame: pl.DataFrame, row_files: Sequence[str]) -> None:
    """Validate `frame` against the lake model of `table`.

    `row_files[i]` is the landing file row i came from; a failure raises
    LakeSchemaError naming the column, the check, a few bad values and the
    landing files that hold them.
    """
    try:
        LAKE_MODELS[table].validate(frame, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as error:
        raise LakeSchemaError(_describe(table, error, row_files)) from None


def _describe(table: str, error: Exception, row_files: Sequence[str]) -> str:
    cases = getattr(error, "failure_cases", None)
    if not isinstance(cases, pl.DataFrame) or cases.is_empty():
        files = sorted(set(row_files))
        return f"{table}: rows from {files} break the lake schema: {error}"
    lines = [f"{table}: landing rows break the lake schema (fix the writer of these files, then re-run):"]
    for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
        indexes = [i for i in group["index"].to_list() if i is not None]
        files = sorted({row_files[i] for i in indexes if i < len(row_files)})
        values = [str(v) for v in group["failure_case"].head(5).to_list()]
        where = f" in {files[:5]}" if files else ""
        lines.append(f"  column {column!r} fails {check}: bad values {values}{where}")
    return "\n".join(lines)
