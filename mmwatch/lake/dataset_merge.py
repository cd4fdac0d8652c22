"""Idempotent lake writes for the data-set assets: a run merges its rows into the partition.

The partition's rows and the new ones are de-duplicated on the table's key (the newest reading
of a key wins), checked against the pandera model, written as one new file (temporary name,
then rename) and the old files removed: a re-run or backfill never duplicates a row.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from mmwatch.files import atomic_path
from mmwatch.lake.files import lake_files, partition_dir, remove_files
from mmwatch.lake.validation import LakeSchemaError, lake_model
from mmwatch.settings import DataDir

@dataclass
class MergeOutcome:
    """What merging one partition did."""

    rows_fetched: int
    rows_new: int
    rows_total: int
    path: str | None


def stored(data_dir: DataDir, table: str, schema: pl.Schema, day: str, exchange: str) -> pl.DataFrame:
    """The rows of one lake partition (empty frame in `schema` when there are none)."""
    files = lake_files(data_dir, table, day, exchange)
    if not files:
        return pl.DataFrame(schema=schema)
    return pl.read_parquet(files, hive_partitioning=False).select(list(schema)).cast(dict(schema))


def merge_partition(data_dir: DataDir, table: str, schema: pl.Schema, keys: tuple[str, ...], day: str,
                    exchange: str, rows: list[dict]) -> MergeOutcome:
    """Merge `rows` into partition (day, exchange) of `table`; no key is ever stored twice."""
    old_files = lake_files(data_dir, table, day, exchange)
    old = stored(data_dir, table, schema, day, exchange)
    fresh = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    new_keys = fresh.select(keys).unique().join(old.select(keys), on=list(keys), how="anti", nulls_equal=True)
    merged = pl.concat([old, fresh]).unique(subset=list(keys), keep="last", maintain_order=True).sort(list(keys))
    if merged.height == old.height and new_keys.is_empty() and fresh.is_empty():
        return MergeOutcome(0, 0, old.height, str(old_files[-1]) if old_files else None)
    try:
        lake_model(table).validate(merged, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as error:
        raise LakeSchemaError(f"{table} {day}|{exchange}: fetched rows break the lake schema: {error}") from None
    name = f"{time.time_ns():019d}-merge-{secrets.token_hex(4)}.parquet"
    final = partition_dir(data_dir, table, day, exchange) / name
    with atomic_path(final, tmp_dir=data_dir.lake / "_tmp") as tmp:
        merged.write_parquet(tmp, compression="zstd", statistics=True)
    remove_files(old_files)  # only once the merged file is in place
    return MergeOutcome(fresh.height, new_keys.height, merged.height, str(final))
