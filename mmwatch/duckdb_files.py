"""Opening a DuckDB file that another process may hold: DuckDB lets one process write a file and no
other process open it meanwhile, even to read. A build holds warehouse.duckdb for minutes; the
heartbeat holds the health ledger for a moment. Readers and short writers retry a bounded number
of times, then say who is busy instead of failing with DuckDB's lock error."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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


@contextmanager
def read_warehouse(path: str | Path, wait_s: float | None = None,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to warehouse.duckdb that never meets a build's lock: it waits (at most
    `wait_s`, default mmwatch.warehouse_lock.READ_WAIT_S) while a writer holds the warehouse lock,
    and keeps writers out while it reads; a process writing the file without that lock (dbt run by
    hand) is retried briefly (connect_with_retry). Raises MmwatchError, never DuckDB's lock error."""
    from mmwatch.warehouse_lock import READ_WAIT_S, reading

    with reading(path, READ_WAIT_S if wait_s is None else wait_s, on_wait):
        with connect_with_retry(path, read_only=True) as con:
            yield con
