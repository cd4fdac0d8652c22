"""A full disk said in words: which path could not be written, how much room there is and how much
the work needs, what was kept. A full disk reaches us in many shapes: OSError ENOSPC from Python
and pyarrow, polars' "No space left on device (os error 28)", DuckDB's IO Error, SQLite's
"database or disk is full" or a bare "disk I/O error" (Dagster's run storage); `is_disk_full`
knows them, and `nearly_full` checks the file system itself for the shapes that do not say so."""
from __future__ import annotations

import errno
import shutil
from collections.abc import Iterable
from pathlib import Path

from mmwatch.errors import MmwatchError

MARKERS = ("no space left on device", "os error 28", "errno 28", "database or disk is full", "disk quota exceeded")
# below this much free space a failed write is taken for a full disk whatever its message says
NEARLY_FULL_BYTES = 64 * 1024 * 1024


class DiskFull(MmwatchError):
    """A write failed for want of room; the message says where, how much, what was kept."""


def is_disk_full(error: BaseException | str) -> bool:
    """Whether `error` (or an error it was raised from, or a failure's text) says the disk is full."""
    if isinstance(error, str):
        return any(marker in error.lower() for marker in MARKERS)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFull):
            return True
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(marker in str(current).lower() for marker in MARKERS):
            return True
        current = current.__cause__ or current.__context__
    return False


def free_bytes(path: str | Path) -> int | None:
    """Free bytes on the file system of `path` (its nearest existing folder); None when unknown."""
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def nearly_full(path: str | Path) -> bool:
    """Whether the file system of `path` has less than NEARLY_FULL_BYTES free."""
    free = free_bytes(path)
    return free is not None and free < NEARLY_FULL_BYTES


def size_text(size: int | None) -> str:
    """1,536 -> '1.5 KB' (decimal units, as df -H prints them)."""
    if size is None:
        return "an unknown amount"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def files_size(paths: Iterable[Path]) -> int:
    """The bytes of the `paths` that exist."""
    return sum(p.stat().st_size for p in paths if p.is_file())


def free_text(path: str | Path) -> str:
    """'1.2 GB free now on the file system of <path>'."""
    return f"{size_text(free_bytes(path))} free now on the file system of {path}"


def failure_line(error: BaseException | str) -> str:
    """The line of a failure that says the disk is full (a failed run's message has many), else its first."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return next((line for line in lines if is_disk_full(line)), lines[0] if lines else "")[:300]


def build_disk_full(data_dir, day: str, error: BaseException | str) -> DiskFull:
    """The message of a build that ran out of room (`data_dir` a mmwatch.settings.DataDir)."""
    from mmwatch.landing.zone import list_landing
    from mmwatch.schemas import LAKE_TABLES

    landing = files_size(f.path for dataset in LAKE_TABLES.values() for f in list_landing(data_dir, dataset, day))
    warehouse = data_dir.warehouse.stat().st_size if data_dir.warehouse.is_file() else 0
    return DiskFull(
        f"disk full during the build of {day}: {failure_line(error)}; {free_text(data_dir.root)}. "
        f"The build needs about {size_text(landing)} for the day's lake files (the size of its landing files) "
        f"plus room for warehouse.duckdb ({size_text(warehouse)} now) to grow and spill. Kept: the landing files "
        f"of {day} (a build never changes them), lake files written whole or not at all, each mart as it was "
        f"before its failed step. Free some room, then run `mmwatch build --date {day}` again; "
        "docs/runbook.md#disk-full")
