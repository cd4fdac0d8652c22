"""Materialize one (day, exchange) partition of a raw lake table.

Two modes (docs/contracts.md, "Dagster"):
- batch: given landing files -> one new lake file with the rows whose key is
  not yet in the partition (only the key columns of the lake files whose event-time
  range meets the batch's rows are read: mmwatch.lake.partition_keys);
- rebuild: every landing file of the partition -> one new file, then the
  old files are removed (journalled), so a re-run or backfill replaces the partition only.
  A partition whose landing files the retention dropped (mmwatch.lake.dropped_landing) is not
  replaced: its remaining landing files are appended as a batch (the lake is its source).

Every materialization holds the partition's lock (mmwatch.lake.partition_lock).

A landing file that cannot enter the lake (unreadable, rows of another partition, rows that break
the lake schema) is moved to the quarantine (mmwatch.landing.quarantine) and the partition is built
again without it: one bad file never blocks its partition or its day.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

import polars as pl
import pyarrow as pa

from mmwatch.disk_full import DiskFull, failure_line, files_size, free_text, is_disk_full, size_text
from mmwatch.lake.dropped_landing import dropped_files
from mmwatch.lake.files import (
    LANDING_FILE,
    LakeFileWriter,
    lake_files,
    landing_parts,
    partition_dir,
    read_landing_file,
    remove_files,
)
from mmwatch.lake.partition_keys import KnownKeys
from mmwatch.lake.partition_lock import partition_lock
from mmwatch.lake.raw_rules import utc_day_of
from mmwatch.capture.memory import use_jemalloc_pool
from mmwatch.landing.quarantine import Quarantined, quarantine_file
from mmwatch.landing.zone import LandingFile, list_landing
from mmwatch.lake.validation import LakeSchemaError, check_lake_frame
from mmwatch.schemas import LANDING_SCHEMAS
from mmwatch.settings import DataDir


class UnfitLandingFiles(Exception):
    """Landing files that cannot enter the lake: path (as in LANDING_FILE) -> reason."""

    def __init__(self, reasons: dict[str, str]):
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in reasons.items()))
        self.reasons = reasons


# what reading or preparing a file raises when its content is bad (an OSError with an errno is the
# system's: a missing file, permissions, a full disk; those fail the run as before)
_CONTENT_ERRORS = (OSError, ValueError, pa.ArrowException, pl.exceptions.PolarsError)


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
    quarantined: list[Quarantined] = field(default_factory=list)
    lake_files_keys_read: int = 0  # lake files whose keys a batch read (those its rows' times meet)
    note: str | None = None  # e.g. a rebuild appended because the retention dropped landing files


def materialize_partition(
    table: RawTable, data_dir: DataDir, day: str, exchange: str, files: Sequence[LandingFile] | None
) -> PartitionOutcome:
    """Build one partition of `table` from `files`, or rebuild it from all its landing files when None.

    Landing files are read and prepared two parts (about 20k rows each) at a
    time (pyarrow, polars and hashlib release the GIL) while the previous rows
    are de-duplicated, checked and streamed to the lake file (see LakeFileWriter).
    Unfit files are quarantined and the partition built again without them (`outcome.quarantined`).
    """
    use_jemalloc_pool()
    with partition_lock(data_dir, table.name, day, exchange):
        rebuild, note = files is None, None
        files = sorted(list_landing(data_dir, table.dataset, day, exchange) if rebuild else files)
        if rebuild and (dropped := dropped_files(data_dir, table.name, day, exchange)):
            rebuild = False
            note = (f"{len(dropped)} landing files of this partition were dropped by the landing retention: "
                    f"the lake is its source, so the rows of its {len(files)} remaining landing files that the "
                    f"lake lacks were appended instead of replacing it")
        quarantined: list[Quarantined] = []
        while True:
            try:
                outcome = _build_partition(table, data_dir, day, exchange, files, rebuild)
            except UnfitLandingFiles as unfit:
                bad = [f for f in files if str(f.path) in unfit.reasons]
                if not bad:
                    raise
                quarantined += [quarantine_file(data_dir, f, unfit.reasons[str(f.path)]) for f in bad]
                files = [f for f in files if f not in bad]
                continue
            outcome.quarantined, outcome.note = quarantined, note
            return outcome


def _build_partition(
    table: RawTable, data_dir: DataDir, day: str, exchange: str, files: list[LandingFile], rebuild: bool
) -> PartitionOutcome:
    """One attempt of materialize_partition over `files`; UnfitLandingFiles (nothing written) names bad ones."""
    old_files = lake_files(data_dir, table.name, day, exchange)
    outcome = PartitionOutcome(
        day, exchange, "rebuild" if rebuild else "batch", [str(f.path) for f in files],
        str(partition_dir(data_dir, table.name, day, exchange)),
    )
    known = KnownKeys(old_files, table.key_columns, table.day_column) if old_files and not rebuild else None
    seen: set = set()
    summaries: list[pl.DataFrame] = []
    writer = LakeFileWriter(
        data_dir, table.name, day, exchange, outcome.mode,
        check=lambda rows: check_lake_frame(table.name, rows.drop(LANDING_FILE), rows[LANDING_FILE]),
        ts_column=table.day_column,
    )
    try:
        for rows in _prepared_in_order(table, files):
            outcome.rows_read += rows.height
            _check_partition(rows, table, day, exchange)
            fresh = _first_occurrences(rows, table.key_columns, seen)
            outcome.duplicates_in_batch += rows.height - fresh.height
            if known is not None and fresh.height:
                before = fresh.height
                fresh = known.new_rows(fresh)
                outcome.duplicates_in_lake += before - fresh.height
            lake_rows = fresh.select(*table.lake_schema, LANDING_FILE)
            writer.write(lake_rows)
            summaries.append(_summary(lake_rows, table))
        written = writer.close(replacing=old_files if rebuild else ())
    except BaseException as error:
        writer.abort()
        if isinstance(error, LakeSchemaError) and error.bad_files:
            raise UnfitLandingFiles({path: f"rows break the lake schema of {table.name}: {what}"
                                     for path, what in error.bad_files.items()}) from error
        if isinstance(error, Exception) and is_disk_full(error):
            raise _lake_disk_full(data_dir, table, outcome, old_files, files, error) from error
        raise
    if written is not None:
        outcome.written_file, outcome.bytes_written = str(written), written.stat().st_size
    elif rebuild:
        remove_files(old_files)  # no row left in the partition's landing files
    outcome.lake_files_keys_read = known.files_read if known is not None else 0
    _summarize(outcome, summaries)
    return outcome


def _lake_disk_full(data_dir: DataDir, table: RawTable, outcome: PartitionOutcome, old_files: Sequence,
                    files: Sequence[LandingFile], error: Exception) -> DiskFull:
    """A lake file that did not fit: where, the room there is and needed, what was kept, what to do."""
    needed = files_size(f.path for f in files)
    return DiskFull(
        f"disk full: could not write the {table.name} lake file of {outcome.day} {outcome.exchange} "
        f"({failure_line(error)}); {free_text(data_dir.lake)}, the run needs about {size_text(needed)} (the size "
        f"of its {len(files)} landing files). Kept: the partition {outcome.lake_path} as it was ({len(old_files)} "
        f"lake files, nothing of this run in it, the unfinished file removed) and every landing file. Free some "
        f"room, then run the raw run again: rows already in the lake are skipped")


def _prepared_in_order(table: RawTable, files: Sequence[LandingFile], workers: int = 2) -> Iterator[pl.DataFrame]:
    """table.prepare(rows of each part of each file), in file order, at most workers+1 parts in flight."""
    schema = LANDING_SCHEMAS[table.dataset]

    def load(part: tuple[LandingFile, tuple[int, ...]]) -> pl.DataFrame:
        file, row_groups = part
        with _unfit_when_unreadable(file, table):
            return table.prepare(read_landing_file(file, schema, row_groups))

    def parts_of(file: LandingFile) -> list[tuple[LandingFile, tuple[int, ...]]]:
        with _unfit_when_unreadable(file, table):
            return landing_parts(file)

    remaining = (part for file in files for part in parts_of(file))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="landing-reader") as pool:
        in_flight = deque(pool.submit(load, part) for part in islice(remaining, workers + 1))
        while in_flight:
            rows = in_flight.popleft().result()
            following = next(remaining, None)
            if following is not None:
                in_flight.append(pool.submit(load, following))
            yield rows


@contextmanager
def _unfit_when_unreadable(file: LandingFile, table: RawTable) -> Iterator[None]:
    """Errors of a file's content (not Parquet, truncated, columns that do not cast) as UnfitLandingFiles."""
    try:
        yield
    except _CONTENT_ERRORS as error:
        if isinstance(error, OSError) and error.errno is not None:
            raise
        raise UnfitLandingFiles({str(file.path): f"unreadable as a {table.dataset} landing file: "
                                                 f"{type(error).__name__}: {error}"}) from error


def _first_occurrences(rows: pl.DataFrame, key_columns: tuple[str, ...], seen: set) -> pl.DataFrame:
    """Rows whose key was not seen before (in this frame or earlier ones); updates `seen`."""
    keys = rows[key_columns[0]].to_list() if len(key_columns) == 1 else rows.select(key_columns).rows()
    distinct = set(keys)
    if len(distinct) == len(keys) and seen.isdisjoint(distinct):  # the usual case, at C speed
        seen |= distinct
        return rows
    keep = [key not in seen and not seen.add(key) for key in keys]
    return rows.filter(pl.Series(keep, dtype=pl.Boolean))


def _check_partition(rows: pl.DataFrame, table: RawTable, day: str, exchange: str) -> None:
    """Every row must belong to the partition its landing file sits in."""
    stray = rows.filter((utc_day_of(table.day_column) != day) | (pl.col("exchange") != exchange))
    if stray.is_empty():
        return
    per_file = stray.group_by(LANDING_FILE).agg(
        pl.len().alias("rows"), pl.format("{}|{}", utc_day_of(table.day_column), "exchange").unique().sort().head(3))
    raise UnfitLandingFiles({
        path: f"{rows} rows belong to partition {', '.join(str(p) for p in others)}, not {day}|{exchange} where "
              f"the file sits: a landing file holds one UTC day and one exchange (re-write it with "
              f"mmwatch.landing.zone.write_landing)"
        for path, rows, others in per_file.iter_rows()})


def _summary(lake_rows: pl.DataFrame, table: RawTable) -> pl.DataFrame:
    """Per market (and invalid reason): row count and ts range of some lake rows."""
    reason = pl.col("invalid_reason") if "invalid_reason" in lake_rows.columns else pl.lit(None, pl.Utf8)
    return lake_rows.group_by("market_type", "symbol", reason.alias("invalid_reason")).agg(
        pl.len().alias("rows"),
        pl.col(table.day_column).min().alias("first_ts"),
        pl.col(table.day_column).max().alias("last_ts"),
    )


def _summarize(outcome: PartitionOutcome, summaries: list[pl.DataFrame]) -> None:
    totals = pl.concat(summaries) if summaries else pl.DataFrame()
    if totals.is_empty():
        return
    outcome.rows_written = int(totals["rows"].sum())
    outcome.first_ts, outcome.last_ts = int(totals["first_ts"].min()), int(totals["last_ts"].max())
    markets = totals.group_by("market_type", "symbol").agg(pl.col("rows").sum()).sort("market_type", "symbol")
    outcome.rows_per_market = {f"{r[0]} {r[1]}": r[2] for r in markets.iter_rows()}
    reasons = totals.drop_nulls("invalid_reason").group_by("invalid_reason").agg(pl.col("rows").sum())
    outcome.invalid_by_reason = dict(reasons.sort("invalid_reason").iter_rows())
