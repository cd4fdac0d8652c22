"""One writer per lake partition at a time: raw runs (batch, rebuild), compaction and landing
retention take the partition's lock, so a rebuild never removes a file a compaction is replacing
and two batches never both append a key neither saw (advisory `flock` on
lake/_locks/<table>/day=D/exchange=X.lock; released when the holder ends, even when it dies)."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from mmwatch.lake.files import finish_replacement, partition_dir
from mmwatch.settings import DataDir

LOCKS = "_locks"


@contextmanager
def partition_lock(data_dir: DataDir, table: str, day: str, exchange: str) -> Iterator[None]:
    """Hold the lock of partition (day, exchange) of `table` (waits for the holder to finish); a
    replacement a crash left half done in the partition is finished first (files.finish_replacement)."""
    folder = partition_dir(data_dir, table, day, exchange)  # checks every component
    relative = folder.relative_to(data_dir.lake)
    lock_path = data_dir.lake / LOCKS / relative.parent / f"{relative.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        finish_replacement(folder)
        yield
    finally:
        os.close(descriptor)  # releases the lock
