"""The record, in a lake partition, of its landing files dropped by the landing retention
(mmwatch.landing.retention): `_landing_dropped.jsonl` in the partition folder, one JSON object per
file (name, rows, bytes, when), written before the file is deleted.

A partition with such a record has the lake as its only complete source: a rebuild of it appends
the rows of its remaining landing files that the lake lacks instead of replacing the lake
(mmwatch.lake.raw_partition), and a raw run given a dropped file skips it (its rows are in the lake).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from mmwatch.lake.files import partition_dir
from mmwatch.settings import DataDir

DROPPED = "_landing_dropped.jsonl"


@dataclass(frozen=True)
class DroppedFile:
    name: str  # the landing file's name (its folder is the partition's landing folder)
    rows: int
    bytes: int
    at: str  # ISO time, UTC


def record_dropped(data_dir: DataDir, table: str, day: str, exchange: str, files: Iterable[DroppedFile]) -> None:
    """Append `files` to the partition's record (fsynced: it must be on disk before they are deleted)."""
    lines = "".join(json.dumps(asdict(file)) + "\n" for file in files)
    if not lines:
        return
    path = partition_dir(data_dir, table, day, exchange) / DROPPED
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as record:
        record.write(lines)
        record.flush()
        os.fsync(record.fileno())


def dropped_files(data_dir: DataDir, table: str, day: str, exchange: str) -> dict[str, DroppedFile]:
    """The partition's dropped landing files by name (empty when none was dropped); a torn last line is skipped."""
    path = partition_dir(data_dir, table, day, exchange) / DROPPED
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            file = DroppedFile(**json.loads(line))
        except (ValueError, TypeError):
            continue
        found[file.name] = file
    return found


def exchanges_with_dropped_landing(data_dir: DataDir, tables: Iterable[str], day: str) -> set[str]:
    """The exchanges of `day` whose partition of one of `tables` had landing files dropped (the lake is
    their source: a build of the day must not say there is nothing to build). Read-only."""
    return {path.parent.name.removeprefix("exchange=") for table in tables
            for path in data_dir.lake_dir(table).glob(f"day={day}/exchange=*/{DROPPED}")}


def was_dropped(data_dir: DataDir, table: str, landing_path: Path, day: str, exchange: str) -> bool:
    """Whether the landing file at `landing_path` was dropped by the retention (its rows are in the lake)."""
    return landing_path.name in dropped_files(data_dir, table, day, exchange)
