"""The keys a batch must be checked against, read from the lake files that can hold them only.

A row's key fixes its event time (docs/contracts.md: a snapshot_id hashes ts; a trade's copies carry
one ts; a fetch error's key is the whole row): a row already in the partition sits in a lake file
whose event-time range holds the row's ts. Each lake file's range is in its name (mmwatch.lake.files),
else in its Parquet statistics (files written before names carried it), else unknown (always read).
So a raw run reads the keys of the files whose range meets its rows' times: through a day of
collection the newest one or two, whatever the number of runs before it; a batch of hours-old rows
reads the files of those hours.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from mmwatch.lake.files import lake_file_span, read_lake_keys


@dataclass(frozen=True)
class SpannedFile:
    path: Path
    span: tuple[int, int] | None  # first and last event time of its rows; None: unknown


def _statistics_span(path: Path, ts_column: str) -> tuple[int, int] | None:
    """The range of `ts_column` from a Parquet footer's row-group statistics (None when any lacks them)."""
    metadata = pq.read_metadata(path)
    try:
        index = metadata.schema.names.index(ts_column)
    except ValueError:
        return None
    firsts, lasts = [], []
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(index).statistics
        if statistics is None or not statistics.has_min_max:
            return None
        firsts.append(statistics.min)
        lasts.append(statistics.max)
    return (int(min(firsts)), int(max(lasts))) if firsts else None


def spanned(paths: Sequence[Path], ts_column: str) -> list[SpannedFile]:
    """The lake files with their event-time ranges (from the name, else the footer)."""
    return [SpannedFile(path, lake_file_span(path) or _statistics_span(path, ts_column)) for path in paths]


class KnownKeys:
    """The keys of a partition's lake files, read a file at a time as rows meeting its range come."""

    def __init__(self, paths: Sequence[Path], key_columns: Sequence[str], ts_column: str):
        self._unread = spanned(paths, ts_column)
        self._key_columns, self._ts_column = list(key_columns), ts_column
        self._keys: pl.DataFrame | None = None
        self.files_read = 0

    def _read_files_meeting(self, times: np.ndarray) -> None:
        """Read the keys of every unread file whose range holds one of `times` (sorted)."""
        meeting, unread = [], []
        for file in self._unread:
            if file.span is None:
                meeting.append(file)
                continue
            first = np.searchsorted(times, file.span[0], side="left")
            (meeting if first < len(times) and times[first] <= file.span[1] else unread).append(file)
        self._unread = unread
        if meeting:
            keys = read_lake_keys([file.path for file in meeting], self._key_columns)
            self._keys = keys if self._keys is None else pl.concat([self._keys, keys])
            self.files_read += len(meeting)

    def new_rows(self, rows: pl.DataFrame) -> pl.DataFrame:
        """`rows` without those whose key is in the lake already."""
        if rows.is_empty():
            return rows
        if self._unread:
            self._read_files_meeting(np.sort(rows[self._ts_column].drop_nulls().unique().to_numpy()))
        if self._keys is None or self._keys.is_empty():
            return rows
        return rows.join(self._keys, on=self._key_columns, how="anti", nulls_equal=True)
