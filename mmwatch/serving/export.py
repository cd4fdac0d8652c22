"""Rows leave DuckDB as CSV through a pipe, so DuckDB formats while PostgreSQL parses (the two
run on different cores) and no copy of a day ever lands on disk."""
from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

import duckdb

from mmwatch.serving.columns import Column


@contextmanager
def csv_rows(duck: duckdb.DuckDBPyConnection, source: str | None, columns: list[Column],
             day: str | None) -> Iterator[BinaryIO]:
    """A readable stream of the rows of `source` (a quoted schema.table; only `day` when given) as
    headerless CSV in `columns` order; an empty stream when `source` is None (a table created
    empty). An error of DuckDB is raised when the block exits (the stream then just ended early):
    load the stream and nothing else inside the block, so that error rolls the load back."""
    if source is None:
        yield io.BytesIO(b"")
        return
    where = f" where day = date '{day}'" if day else ""
    select = ", ".join(c.export_sql for c in columns)
    reader_fd, writer_fd = os.pipe()
    failure: list[BaseException] = []

    def write() -> None:
        try:
            cursor = duck.cursor()  # a connection of its own: DuckDB connections are not shared by threads
            cursor.execute("set TimeZone = 'UTC'")  # timestamptz as UTC text
            cursor.execute(
                f"copy (select {select} from {source}{where}) to '/dev/fd/{writer_fd}' (format csv, header false)")
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread below
            failure.append(error)
        finally:
            os.close(writer_fd)  # the reader sees the end of the stream

    writer = threading.Thread(target=write, name="mmwatch-export", daemon=True)
    writer.start()
    try:
        # closing the reader first makes a writer still running fail with a broken pipe and stop
        with os.fdopen(reader_fd, "rb") as stream:
            yield stream
    finally:
        writer.join()
    if failure:
        raise failure[0]
