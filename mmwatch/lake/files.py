"""Reading landing files and writing lake partition files (atomically, by rename).

A lake file's name tells when it was written, by what, and the range of its rows' event time:
`<time_ns>-<kind>-<rand>-ts<first>_<last>.parquet` (kind: batch, rebuild, compact), so that a raw run
finds the files whose keys it must read from the folder listing alone (mmwatch.lake.partition_keys);
the range comes with the file in the same rename, so it can never disagree with the file.
Replacing files (a rebuild, a compaction) is journalled in the partition folder (REPLACING): a crash
between the new file's rename and the old files' removal is finished by the next writer of the
partition (`finish_replacement`), so the partition never holds both.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from mmwatch.door.paths import partition_folder
from mmwatch.files import move_into_place, temporary_path, write_text_atomically
from mmwatch.lake.tables import LAKE
from mmwatch.landing.zone import LandingFile
from mmwatch.settings import DataDir

# Column added while reading landing files: which file a row came from.
LANDING_FILE = "landing_file"
ROW_GROUP_ROWS = 20_000  # about 40 MB of 100-level books before compression
REPLACING = "_replacing.json"  # the journal of a replacement in progress (partition folder)
_LAKE_NAME = re.compile(r"^\d{19}-(?P<kind>[a-z]+)-[0-9a-f]{8}(?:-ts(?P<first>-?\d+)_(?P<last>-?\d+))?\.parquet$")


def lake_file_name(kind: str, first_ts: int | None = None, last_ts: int | None = None) -> str:
    """A new lake file's name; with the event-time range of its rows when given."""
    span = f"-ts{first_ts}_{last_ts}" if first_ts is not None and last_ts is not None else ""
    return f"{time.time_ns():019d}-{kind}-{secrets.token_hex(4)}{span}.parquet"


def lake_file_kind(path: Path) -> str | None:
    """batch, rebuild, compact, merge... from a lake file's name (None: a name mmwatch did not write)."""
    match = _LAKE_NAME.match(path.name)
    return match["kind"] if match else None


def lake_file_span(path: Path) -> tuple[int, int] | None:
    """(first, last) event time of a lake file's rows from its name; None when its name has none."""
    match = _LAKE_NAME.match(path.name)
    if not match or match["first"] is None:
        return None
    return int(match["first"]), int(match["last"])


def partition_dir(data_dir: DataDir, table: str, day: str, exchange: str) -> Path:
    """lake/<table>/day=<day>/exchange=<exchange>/, each component checked (mmwatch.door.paths)."""
    return partition_folder(data_dir.lake, table, LAKE, day, exchange)


def lake_files(data_dir: DataDir, table: str, day: str, exchange: str) -> list[Path]:
    """The Parquet files of one lake partition (empty when it does not exist)."""
    return sorted(partition_dir(data_dir, table, day, exchange).glob("*.parquet"))


def landing_parts(file: LandingFile) -> list[tuple[LandingFile, tuple[int, ...]]]:
    """A landing file as units of work: (file, row groups) of about ROW_GROUP_ROWS rows each,
    so even one big file is read and prepared by several threads."""
    metadata = pq.read_metadata(file.path)
    parts, group, rows = [], [], 0
    for index in range(metadata.num_row_groups):
        group.append(index)
        rows += metadata.row_group(index).num_rows
        if rows >= ROW_GROUP_ROWS:
            parts.append((file, tuple(group)))
            group, rows = [], 0
    if group or not parts:
        parts.append((file, tuple(group)))
    return parts


def read_landing_file(file: LandingFile, schema: pl.Schema, row_groups: Sequence[int] | None = None) -> pl.DataFrame:
    """The rows of one landing file (or of some of its row groups) in `schema` (absent
    columns as nulls), plus `landing_file`.

    pyarrow's single-threaded reader decodes nested levels about twice as
    fast as polars' here; files are read in parallel by the caller.
    """
    parquet = pq.ParquetFile(file.path)
    groups = range(parquet.metadata.num_row_groups) if row_groups is None else row_groups
    frame = pl.from_arrow(parquet.read_row_groups(groups, use_threads=False))
    columns = [
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
    ]
    return frame.select(*columns, pl.lit(str(file.path)).alias(LANDING_FILE))


def read_lake_keys(paths: Sequence[Path], key_columns: Sequence[str]) -> pl.DataFrame:
    """Only the key columns of existing lake files (cheap: Parquet is columnar)."""
    return pl.scan_parquet([str(p) for p in paths], hive_partitioning=False).select(key_columns).collect()


def remove_files(paths: Sequence[Path]) -> None:
    """Delete superseded lake files (after their replacement is in place)."""
    for path in paths:
        path.unlink(missing_ok=True)


def replace_files(tmp: Path, final: Path, old: Sequence[Path]) -> Path:
    """Move the finished `tmp` to `final` and remove `old` (files of the same folder), journalled:
    the journal names both sides before the rename, so a crash at any point leaves either the old
    files (no new one: the journal is dropped) or the new one (the old ones are removed) once
    `finish_replacement` ran. Returns `final`."""
    journal = final.parent / REPLACING
    if old:
        write_text_atomically(journal, json.dumps({"new": final.name, "old": sorted(p.name for p in old)}))
    move_into_place(tmp, final)
    remove_files(old)
    journal.unlink(missing_ok=True)
    return final


def finish_replacement(folder: Path) -> bool:
    """Complete (or drop) a replacement a crash interrupted in `folder`; True when there was one.
    Call it holding the partition's lock (mmwatch.lake.partition_lock) before reading its files."""
    journal = folder / REPLACING
    if not journal.is_file():
        return False
    plan = json.loads(journal.read_text(encoding="utf-8"))
    if (folder / plan["new"]).is_file():
        remove_files([folder / name for name in plan["old"] if name != plan["new"]])
    journal.unlink(missing_ok=True)
    return True


class LakeFileWriter:
    """Streams frames into one new lake file of a partition, in a background thread.

    Row groups are encoded while the caller prepares the next frames (pyarrow
    releases the GIL). The file is written under lake/_tmp/ and renamed into
    lake/<table>/day=D/exchange=X/<time_ns>-<kind>-<rand>[-ts<first>_<last>].parquet on close
    (the range of `ts_column` over its rows, when given), so readers never see half a file.
    No rows -> no file.
    """

    def __init__(
        self, data_dir: DataDir, table: str, day: str, exchange: str, kind: str,
        check: Callable[[pl.DataFrame], None], ts_column: str | None = None,
    ):
        self.folder = partition_dir(data_dir, table, day, exchange)
        self._kind, self._ts_column = kind, ts_column
        self._span: tuple[int, int] | None = None
        self._tmp = temporary_path(self.folder / lake_file_name(kind), data_dir.lake / "_tmp")
        self._check = check  # raises on rows that must not enter the lake
        self._writer: pq.ParquetWriter | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lake-writer")
        self._pending: Future | None = None
        self._buffer: list[pl.DataFrame] = []
        self._buffered_rows = 0
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        """Add rows (lake columns plus `landing_file`); once ROW_GROUP_ROWS rows are
        buffered they are checked and queued as a row group (small landing
        files must not make small row groups)."""
        if frame.is_empty():
            return
        if self._ts_column is not None:
            first, last = frame[self._ts_column].min(), frame[self._ts_column].max()
            self._span = (first, last) if self._span is None else (min(first, self._span[0]), max(last, self._span[1]))
        self._buffer.append(frame)
        self._buffered_rows += frame.height
        self.rows += frame.height
        if self._buffered_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        frame = pl.concat(self._buffer, how="vertical", rechunk=False)
        self._buffer, self._buffered_rows = [], 0
        self._check(frame)
        table = frame.drop(LANDING_FILE).to_arrow()
        self._wait()
        if self._writer is None:
            self._tmp.parent.mkdir(parents=True, exist_ok=True)
            self._writer = _parquet_writer(self._tmp, table.schema)
        else:
            table = table.cast(self._writer.schema)
        self._pending = self._pool.submit(self._writer.write_table, table, ROW_GROUP_ROWS * 2)

    def close(self, replacing: Sequence[Path] = ()) -> Path | None:
        """Finish the file and move it into the partition, removing `replacing` (journalled:
        replace_files); its path, or None when empty (then nothing is removed)."""
        try:
            self._flush()
            self._wait()
        finally:
            self._pool.shutdown()
        if self._writer is None:
            return None
        self._writer.close()
        span = self._span or (None, None)
        return replace_files(self._tmp, self.folder / lake_file_name(self._kind, *span), replacing)

    def abort(self) -> None:
        """Drop the unfinished file (after an error)."""
        self._pool.shutdown(cancel_futures=True)
        if self._writer is not None:
            self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()


def _parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """zstd Parquet tuned for order books: BYTE_STREAM_SPLIT for the level doubles
    (smaller and faster than dictionary attempts on 200 doubles a row),
    dictionaries and statistics only for the scalar columns readers filter on."""
    scalar = [f.name for f in schema if not pa.types.is_nested(f.type)]
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    doubles = [f"{side}.list.element.{part}" for side in ("bids", "asks") if side in schema.names
               for part in ("price", "amount")]
    return pq.ParquetWriter(
        path, schema, compression="zstd", use_dictionary=strings, write_statistics=scalar,
        use_byte_stream_split=doubles or False,
    )
