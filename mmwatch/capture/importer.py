"""Land a capture file: order books and trades into the landing zone.

Rows are grouped by (data set, UTC day of coalesce(exchange_ts, received_ts),
exchange) and written with `mmwatch.landing.zone.write_landing`, source
`import_<file stem>`, at most ~200k rows per landing file (fewer when memory
is bounded: the largest group is written early once 100k rows are buffered).

Importing the same file twice lands it twice: the landing zone is append
only, and de-duplication happens in the raw assets (order books by
`snapshot_id`, trades by `trade_key`), so a repeated import adds no rows to the
lake.

Only rows that passed the door (`mmwatch.door`) are grouped, so the day and the
exchange of a landing folder come from checked values; every rejected line is
written to the import's rejects file (`mmwatch.capture.rejects`).
"""
from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from mmwatch.capture.memory import use_jemalloc_pool
from mmwatch.capture.line_partitions import by_partition
from mmwatch.capture.reader import CaptureCounts, CaptureReader
from mmwatch.capture.rejects import RejectsFile, rejects_path
from mmwatch.disk_full import DiskFull, files_size, free_text, is_disk_full, nearly_full, size_text
from mmwatch.door.rules import Door
from mmwatch.landing.zone import write_landing
from mmwatch.settings import DataDir

ROWS_PER_FILE = 200_000
# Rows held in memory across groups before the largest group is written early
# (bounds memory, and lets writing overlap with parsing).
MAX_BUFFERED_ROWS = 100_000
_DATASETS = {"orderbooks": "orderbooks", "trades": "trades"}


@dataclass
class ImportResult:
    """What one import did: the line counts, the landing files written and the rejects file (None
    when no line was rejected)."""

    path: Path
    counts: CaptureCounts
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    rejects: Path | None = None


def import_source(path: Path) -> str:
    """The landing `source` of an imported file: import_<file stem> (without .jsonl/.gz)."""
    stem = path.name.removesuffix(".gz").removesuffix(".jsonl")
    return "import_" + re.sub(r"[^A-Za-z0-9_.]+", "_", stem)


class _Grouper:
    """Buffers rows per (data set, day, exchange) and writes full groups in background threads."""

    def __init__(self, data_dir: DataDir, source: str):
        self.data_dir, self.source = data_dir, source
        self.buffers: dict[tuple[str, str, str], list[pa.Table]] = {}
        self.sizes: dict[tuple[str, str, str], int] = {}
        # Parquet writing releases the GIL: overlap it with parsing the next chunk (and
        # write the last groups side by side).
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="landing-writer")
        self.pending: list[tuple[Future, Path, int]] = []  # (write, its landing folder, rows)
        self.rows: dict[str, int] = {}
        self.kept_rows = 0  # rows of the landing files written whole

    def add(self, dataset: str, table: pa.Table) -> None:
        for (day, exchange), group in by_partition(table):
            key = (dataset, day, exchange)
            self.buffers.setdefault(key, []).append(group)
            self.sizes[key] = self.sizes.get(key, 0) + group.num_rows
            if self.sizes[key] >= ROWS_PER_FILE:
                self._write(key)
        if sum(self.sizes.values()) >= MAX_BUFFERED_ROWS:
            self._write(max(self.sizes, key=self.sizes.__getitem__))

    def _write(self, key: tuple[str, str, str]) -> None:
        dataset, day, exchange = key
        table = pa.concat_tables(self.buffers.pop(key))
        self.sizes.pop(key)
        self.rows[dataset] = self.rows.get(dataset, 0) + table.num_rows
        for start in range(0, table.num_rows, ROWS_PER_FILE):
            part = pl.from_arrow(table.slice(start, ROWS_PER_FILE), rechunk=False)
            assert isinstance(part, pl.DataFrame)
            part = part.with_columns(pl.lit(self.source).alias("source"))
            folder = self.data_dir.landing_dir(dataset) / f"day={day}" / f"exchange={exchange}"
            self.pending.append((self.pool.submit(write_landing, self.data_dir, dataset, day, exchange, part, self.source),
                                 folder, part.height))

    def finish(self) -> tuple[list[Path], tuple[Path, BaseException] | None]:
        """Write what is buffered and wait: the files written whole, and the first failed write
        (its landing folder and error) when one failed."""
        failed = None
        try:
            for key in sorted(self.buffers, key=self.sizes.__getitem__, reverse=True):
                self._write(key)
        except BaseException as error:  # noqa: BLE001 - reported with the writes' failures
            failed = (self.data_dir.landing, error)
        self.pool.shutdown(wait=True)
        files = []
        for future, folder, rows in self.pending:
            error = future.exception()
            if error is None:
                files.append(future.result())
                self.kept_rows += rows
            elif failed is None:
                failed = (Path(getattr(error, "filename", None) or folder), error)
        return files, failed


def import_capture(data_dir: DataDir, path: str | Path, door: Door | None = None) -> ImportResult:
    """Read one capture file and land its order books and trades; returns counts and files.

    Raises CaptureError when the file is missing or not JSON Lines at all; bad
    lines (capture format or door, `door` defaults to the time window of now) are
    counted, the first listed in `result.counts.issues`, every one written to
    `result.rejects`; the rest loads.
    """
    path = Path(path)
    use_jemalloc_pool()
    source = import_source(path)
    rejects = RejectsFile(rejects_path(data_dir, source))
    reader = CaptureReader(path, door=door, on_rejects=rejects.write)
    grouper = _Grouper(data_dir, source)
    failed: tuple[Path, BaseException] | None = None
    try:
        for chunk in reader.chunks():
            grouper.add("orderbooks", chunk.orderbooks)
            grouper.add("trades", chunk.trades)
    except BaseException as error:  # noqa: BLE001 - what was read so far is still landed, then it is raised
        failed = (rejects.path if is_disk_full(error) else path, error)
    files, write_failed = grouper.finish()
    try:
        rejected = rejects.close()
    except OSError as error:
        rejected, write_failed = None, write_failed or (rejects.path, error)
    failed = failed or write_failed
    if failed is not None:
        where, error = failed
        if is_disk_full(error) or nearly_full(data_dir.root):
            raise DiskFull(_disk_full_on_import(data_dir, path, where, files, grouper.kept_rows)) from error
        raise error
    return ImportResult(path, reader.counts, files, grouper.rows, rejected)


def _disk_full_on_import(data_dir: DataDir, capture: Path, where: Path, kept: list[Path], rows: int) -> str:
    """Where the import stopped, the room there is and needed, and what it leaves behind."""
    size = capture.stat().st_size if capture.is_file() else None
    return (f"disk full: could not write {where} (no space left on device); {free_text(data_dir.root)}. "
            f"Importing {capture.name} needs at most {size_text(size)} more (the capture's own size: its landing "
            f"files are smaller; the {len(kept)} written so far take {size_text(files_size(kept))}). "
            f"Kept: {len(kept)} landing file{'' if len(kept) == 1 else 's'} with {rows:,} rows, each whole. "
            f"Free some room, then import "
            f"{capture} again: it lands the rest, and the lake keeps each snapshot and trade once (no doubles); docs/runbook.md#disk-full")
