"""Opening a DuckDB file that another process may hold: DuckDB lets one process write a file and no
other process open it meanwhile, even to read. A build holds warehouse.duckdb for minutes; the
heartbeat holds the health ledger for a moment. Readers and short writers retry a bounded number
of times, then say who is busy instead of failing with DuckDB's lock error."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from mmwatch.errors import MmwatchError


class FileBusy(MmwatchError):
    """Another process holds the DuckDB file (a build, an alert cycle) longer than we waited."""


@contextmanager
def connect_with_retry(path: str | Path, read_only: bool = False, attempts: int = 10,
                       wait_s: float = 0.2) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `path`, retried `attempts` times `wait_s` apart while another process holds it."""
    for attempt in range(1, attempts + 1):
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if attempt == attempts:
                raise FileBusy(f"{path} is held by another process (a build or an alert cycle) for more than "
                               f"{attempts * wait_s:g} s; try again in a minute") from None
            time.sleep(wait_s)
    try:
        yield con
    finally:
        con.close()
