"""Reading landing files and writing lake partitions (atomically, by rename)."""
from __future__ import annotations

import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from mmwatch.landing import LandingFile
from mmwatch.settings import DataDir

# Column added while reading landing files: which file a row came from.
LANDING_FILE = "landing_file"


def partition_dir(data_dir: DataDir, table: str, day: str, exchange: str) -> Path:
    """lake/<table>/day=<day>/exchange=<exchange>/"""
    return data_dir.lake_dir(table) / f"day={day}" / f"exchange={exchange}"


def lake_files(data_dir: DataDir, table: str, day: str, exchange: str) -> list[Path]:
    """The Parquet files of one lake partition (empty when it does not exist)."""
    return sorted(partition_dir(data_dir, table, day, exchange).glob("*.parquet"))


def read_landing(files: Sequence[LandingFile], schema: pl.Schema) -> pl.DataFrame:
    """All rows of `files` (oldest arrival first) in `schema`, plus the `landing_file` column."""
    if not files:
        return pl.DataFrame(schema={**schema, LANDING_FILE: pl.Utf8})
    ordered = sorted(files)
    frame = pl.scan_parquet(
        [str(f.path) for f in ordered], include_file_paths=LANDING_FILE, missing_columns="insert"
    )
    columns = [pl.col(name).cast(dtype) for name, dtype in schema.items()]
    return frame.select(*columns, pl.col(LANDING_FILE)).collect()


def read_lake_keys(paths: Sequence[Path], key_columns: Sequence[str]) -> pl.DataFrame:
    """Only the key columns of existing lake files (cheap: Parquet is columnar)."""
    return pl.scan_parquet([str(p) for p in paths], hive_partitioning=False).select(key_columns).collect()


def write_partition_file(
    data_dir: DataDir, table: str, day: str, exchange: str, frame: pl.DataFrame, kind: str
) -> Path:
    """Write `frame` as a new uniquely named file of the partition and return its path.

    The file is written under lake/_tmp/ and renamed into place, so readers
    never see half a file. `kind` (rebuild / batch) goes into the name.
    """
    tmp_dir = data_dir.lake / "_tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    target_dir = partition_dir(data_dir, table, day, exchange)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():019d}-{kind}-{secrets.token_hex(4)}.parquet"
    tmp = tmp_dir / f"{table}-{day}-{exchange}-{name}"
    frame.write_parquet(tmp, compression="zstd", statistics=True)
    final = target_dir / name
    os.replace(tmp, final)
    return final


def remove_files(paths: Sequence[Path]) -> None:
    """Delete superseded lake files (after their replacement is in place)."""
    for path in paths:
        path.unlink(missing_ok=True)
