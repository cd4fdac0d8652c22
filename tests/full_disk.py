"""A full disk where it bites, for the disk-full tests: the OSError pyarrow raises on ENOSPC, and the
lake's Parquet writer made to raise it at its first write (the file system itself cannot be filled
here: no loop devices or tmpfs quotas in the sandbox)."""
from __future__ import annotations

import errno

import mmwatch.lake.files as lake_files


def no_space() -> OSError:
    return OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")


def fill_the_lake(monkeypatch) -> None:
    """From now on (in `monkeypatch`'s scope) every lake Parquet write fails with ENOSPC."""
    open_writer = lake_files._parquet_writer

    def writer_on_a_full_disk(path, schema):
        writer = open_writer(path, schema)
        writer.write_table = lambda *args, **kwargs: (_ for _ in ()).throw(no_space())
        return writer

    monkeypatch.setattr(lake_files, "_parquet_writer", writer_on_a_full_disk)
