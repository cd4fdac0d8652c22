"""How a lake table is described: its columns (type, nullability, allowed values, meaning) once,
so the polars schemas, the pandera checks and the dbt sources are all derived from one place."""
from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

LEVELS = pl.List(pl.Struct({"price": pl.Float64, "amount": pl.Float64}))

# polars type -> DuckDB type, as the dbt models see the Parquet columns
_DUCKDB_TYPES = {pl.Utf8: "varchar", pl.Int64: "bigint", pl.Float64: "double", pl.Boolean: "boolean"}


@dataclass(frozen=True)
class Column:
    """One column: its type, what it means, and the checks every row must pass before the lake."""

    name: str
    dtype: pl.DataType
    description: str
    nullable: bool = True
    isin: tuple[str, ...] | None = None
    greater_than: float | None = None
    unique: bool = False
    min_length: int | None = None

    @property
    def duckdb_type(self) -> str:
        if self.dtype == LEVELS:
            return "struct(price double, amount double)[]"
        return _DUCKDB_TYPES[self.dtype]


@dataclass(frozen=True)
class LakeTable:
    """One lake table (`lake/<name>/day=D/exchange=X/*.parquet`) and, when it is built from landing
    files, the landing columns it starts from (the first `landing_width` columns)."""

    name: str
    dataset: str  # landing data set (raw tables) or data-set asset name (slower data sets)
    description: str
    columns: tuple[Column, ...]
    staging_model: str  # the dbt staging model that reads it
    landing_width: int | None = None  # None: not landed (the data-set assets write the lake directly)
    keys: tuple[str, ...] = ()  # data-set tables: one row per (exchange, *keys) in a partition
    # columns the staging model leaves out on purpose, each with the reason (every other column is read)
    not_staged: dict[str, str] = field(default_factory=dict)

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    @property
    def landing_schema(self) -> pl.Schema:
        if self.landing_width is None:
            raise ValueError(f"{self.name} has no landing files")
        return pl.Schema({c.name: c.dtype for c in self.columns[: self.landing_width]})

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)
