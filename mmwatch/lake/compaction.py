"""Compaction of a closed day's raw partitions: the batch files a day of raw runs leaves (one per run
and partition) become one file sorted by (symbol, market_type, event time, key), the order the
marts scan a market's day in; row groups of ROW_GROUP_ROWS rows with statistics let a reader of one
market skip the others.

Every row is kept as it is (the same multiset of rows: the marts are identical before and after,
tests/dbt/test_dbt_lake_compaction.py). DuckDB sorts (spilling to lake/_tmp/ past `memory_limit`, so
a large partition never has to fit in memory) and the rows are written with the lake writer's
encodings; the new file replaces the old ones in one journalled step (files.replace_files) under the
partition's lock, after its row count was checked against theirs.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mmwatch.errors import MmwatchError
from mmwatch.files import temporary_path
from mmwatch.lake.files import (
    ROW_GROUP_ROWS,
    _parquet_writer,
    lake_file_kind,
    lake_file_name,
    lake_files,
    partition_dir,
    replace_files,
)
from mmwatch.lake.partition_lock import partition_lock
from mmwatch.lake.raw_partition import RawTable
from mmwatch.settings import DataDir

COMPACT = "compact"  # the kind in a compacted file's name
SORT_MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class Compacted:
    """One partition compacted."""

    table: str
    day: str
    exchange: str
    files_before: int
    rows: int
    bytes_before: int
    bytes_after: int
    file: str


def needs_compaction(files: list[Path]) -> bool:
    """More than one file, or one that is not a compacted file (a rebuild's, an old name)."""
    return len(files) > 1 or (len(files) == 1 and lake_file_kind(files[0]) != COMPACT)


def partitions_to_compact(data_dir: DataDir, table: str, closed_through: str) -> list[tuple[str, str]]:
    """(day, exchange) of `table`'s partitions of days up to `closed_through` (YYYY-MM-DD) that need
    compaction, oldest day first. Read-only."""
    found = []
    for folder in sorted(data_dir.lake_dir(table).glob("day=*/exchange=*")):
        day, exchange = folder.parent.name.removeprefix("day="), folder.name.removeprefix("exchange=")
        if day <= closed_through and needs_compaction(sorted(folder.glob("*.parquet"))):
            found.append((day, exchange))
    return found


def _sort_order(table: RawTable, columns: list[str]) -> str:
    order = ["symbol", "market_type", table.day_column]
    order += [name for name in table.key_columns if name not in order]
    return ", ".join(f'"{name}"' for name in order if name in columns)


def _sorted_batches(table: RawTable, files: list[Path], spill: Path, memory_limit: str) -> Iterator[pa.RecordBatch]:
    """The rows of `files` sorted for the marts, ROW_GROUP_ROWS at a time."""
    spill.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set temp_directory = '{spill}'")
        con.execute("set threads = 2")
        relation = "read_parquet(?, hive_partitioning = false, union_by_name = true)"
        columns = [row[0] for row in con.execute(f"describe select * from {relation}", [[str(f) for f in files]]).fetchall()]
        reader = con.sql(f"select * from {relation} order by {_sort_order(table, columns)}",
                         params=[[str(f) for f in files]]).to_arrow_reader(ROW_GROUP_ROWS)
        yield from reader


def compact_partition(table: RawTable, data_dir: DataDir, day: str, exchange: str,
                      memory_limit: str = SORT_MEMORY_LIMIT) -> Compacted | None:
    """Compact partition (day, exchange) of `table` into one sorted file; None when it needs none."""
    with partition_lock(data_dir, table.name, day, exchange):
        files = lake_files(data_dir, table.name, day, exchange)
        if not needs_compaction(files):
            return None
        rows_before = sum(pq.read_metadata(f).num_rows for f in files)
        schema = pq.read_schema(files[-1]).remove_metadata()  # the newest file's Arrow types
        folder = partition_dir(data_dir, table.name, day, exchange)
        tmp = temporary_path(folder / lake_file_name(COMPACT), data_dir.lake / "_tmp")
        writer, rows, first, last = None, 0, None, None
        try:
            for batch in _sorted_batches(table, files, data_dir.lake / "_tmp" / "compaction-spill", memory_limit):
                chunk = pa.Table.from_batches([batch])
                if chunk.schema.names == schema.names:
                    chunk = chunk.cast(schema)
                if writer is None:
                    writer = _parquet_writer(tmp, chunk.schema)
                writer.write_table(chunk, ROW_GROUP_ROWS)
                rows += chunk.num_rows
                span = pc.min_max(chunk[table.day_column])
                first = span["min"].as_py() if first is None else min(first, span["min"].as_py())
                last = span["max"].as_py() if last is None else max(last, span["max"].as_py())
            if writer is not None:
                writer.close()
            if rows != rows_before or writer is None:
                raise MmwatchError(f"compaction of {folder} wrote {rows} rows from files holding {rows_before}: "
                                   f"the partition was left as it was")
        except BaseException:
            if writer is not None:
                writer.close()
            tmp.unlink(missing_ok=True)
            raise
        bytes_before = sum(f.stat().st_size for f in files)
        final = replace_files(tmp, folder / lake_file_name(COMPACT, first, last), files)
        return Compacted(table.name, day, exchange, len(files), rows, bytes_before, final.stat().st_size, str(final))
