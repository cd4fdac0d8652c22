"""Materialize one (day, exchange) partition of a raw lake table.

Two modes (docs/contracts.md, "Dagster"):
- batch: given landing files -> one new lake file with the rows whose key is
  not yet in the partition (only the key columns of the lake are read);
- rebuild: every landing file of the partition -> one new file, then the
  old files are removed, so a re-run or backfill replaces the partition only.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from assets.raw_lake import (
    LANDING_FILE,
    lake_files,
    partition_dir,
    read_lake_keys,
    read_landing,
    remove_files,
    write_partition_file,
)
from assets.raw_lake_schema import check_lake_frame
from assets.raw_rules import utc_day_of
from mmwatch.errors import MmwatchError
from mmwatch.landing import LandingFile, list_landing
from mmwatch.schemas import LANDING_SCHEMAS
from mmwatch.settings import DataDir


class PartitionMismatchError(MmwatchError):
    """A landing file holds rows of another day or exchange than its folder says."""


@dataclass(frozen=True)
class RawTable:
    """How one lake table is built from its landing data set."""

    name: str  # lake table, e.g. raw_orderbooks
    dataset: str  # landing data set, e.g. orderbooks
    lake_schema: pl.Schema
    key_columns: tuple[str, ...]  # de-duplication key within a partition
    day_column: str  # epoch-ms column whose UTC day is the partition day
    prepare: Callable[[pl.DataFrame], pl.DataFrame]  # landing rows -> lake rows
    row_noun: str  # what a row is, for metadata labels: snapshots, trades, errors


@dataclass
class PartitionOutcome:
    """What one partition materialization did (becomes asset metadata)."""

    day: str
    exchange: str
    mode: str  # "rebuild" or "batch"
    landing_files: list[str]
    lake_path: str
    rows_read: int = 0
    rows_written: int = 0
    duplicates_in_batch: int = 0
    duplicates_in_lake: int = 0
    bytes_written: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    invalid_by_reason: dict[str, int] = field(default_factory=dict)
    rows_per_market: dict[str, int] = field(default_factory=dict)
    written_file: str | None = None


def materialize_partition(
    table: RawTable, data_dir: DataDir, day: str, exchange: str, files: Sequence[LandingFile] | None
) -> PartitionOutcome:
    """Build one partition of `table` from `files`, or rebuild it from all its landing files when None."""
    rebuild = files is None
    if rebuild:
        files = list_landing(data_dir, table.dataset, day, exchange)
    old_files = lake_files(data_dir, table.name, day, exchange)
    outcome = PartitionOutcome(
        day, exchange, "rebuild" if rebuild else "batch", [str(f.path) for f in files],
        str(partition_dir(data_dir, table.name, day, exchange)),
    )
    landing = read_landing(files, LANDING_SCHEMAS[table.dataset])
    outcome.rows_read = landing.height
    rows = table.prepare(landing)
    _check_partition(rows, table, day, exchange)

    unique_rows = rows.unique(subset=list(table.key_columns), keep="first", maintain_order=True)
    outcome.duplicates_in_batch = rows.height - unique_rows.height
    if not rebuild and old_files and unique_rows.height:
        known = read_lake_keys(old_files, table.key_columns)
        fresh = unique_rows.join(known, on=list(table.key_columns), how="anti", nulls_equal=True)
        outcome.duplicates_in_lake = unique_rows.height - fresh.height
        unique_rows = fresh

    lake_rows = unique_rows.select(list(table.lake_schema))
    check_lake_frame(table.name, lake_rows, unique_rows[LANDING_FILE])
    if lake_rows.height:  # an empty partition is no file at all
        written = write_partition_file(data_dir, table.name, day, exchange, lake_rows, outcome.mode)
        outcome.written_file = str(written)
        outcome.bytes_written = written.stat().st_size
    if rebuild:
        remove_files(old_files)
    _summarize(outcome, lake_rows, table)
    return outcome


def _check_partition(rows: pl.DataFrame, table: RawTable, day: str, exchange: str) -> None:
    """Every row must belong to the partition its landing file sits in."""
    stray = rows.filter((utc_day_of(table.day_column) != day) | (pl.col("exchange") != exchange))
    if stray.is_empty():
        return
    sample = stray.select(LANDING_FILE, "exchange", utc_day_of(table.day_column).alias("day")).unique().head(5)
    details = "; ".join(f"{r[LANDING_FILE]} has a row of {r['day']}|{r['exchange']}" for r in sample.to_dicts())
    raise PartitionMismatchError(
        f"{table.name} partition {day}|{exchange}: {stray.height} landing rows belong to another "
        f"partition ({details}). A landing file must hold one UTC day and one exchange: move or "
        f"re-write it with mmwatch.landing.write_landing."
    )


def _summarize(outcome: PartitionOutcome, lake_rows: pl.DataFrame, table: RawTable) -> None:
    outcome.rows_written = lake_rows.height
    if lake_rows.is_empty():
        return
    times = lake_rows.select(pl.col(table.day_column).min().alias("lo"), pl.col(table.day_column).max().alias("hi"))
    outcome.first_ts, outcome.last_ts = times.row(0)
    markets = lake_rows.group_by("market_type", "symbol").len().sort("market_type", "symbol")
    outcome.rows_per_market = {f"{r[0]} {r[1]}": r[2] for r in markets.iter_rows()}
    if "invalid_reason" in lake_rows.columns:
        reasons = lake_rows.drop_nulls("invalid_reason").group_by("invalid_reason").len().sort("invalid_reason")
        outcome.invalid_by_reason = dict(reasons.iter_rows())
