"""A disk that fills up during `mmwatch import` and `mmwatch build` (issue 15): one message saying
which path could not be written, the room there is and is needed, and what was kept; exit 2, no
traceback, and the same command run again once there is room completes the work.

The full disk is simulated where it bites in a real one: the Parquet write of a landing file (the
import) and of a lake file (the build's raw run) raises what pyarrow raises when the disk is full,
OSError(ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device"), after
writing part of the file. Nothing else is faked: the free space printed is the real one."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from full_disk import fill_the_lake, no_space
from mmwatch.disk_full import failure_line, is_disk_full
from mmwatch.settings import DataDir

DAY = "2026-11-20"
T0 = int(datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc).timestamp() * 1000)
BOOKS = 90  # per exchange


def _capture(path) -> None:
    lines = [{"type": "orderbook", "exchange": exchange, "market_type": "spot", "symbol": "BTC/USDT",
              "timestamp": T0 + i * 10_000, "received_at": T0 + i * 10_000 + 40, "nonce": i,
              "bids": [[3800.0, 2.0]], "asks": [[3801.0, 1.5]]} for exchange in ("binance", "okx") for i in range(BOOKS)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _error_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith("error: ")]
    return line


def test_import_into_a_full_disk_says_where_how_much_and_what_was_kept(tmp_path, monkeypatch):
    import mmwatch.landing.zone as zone

    capture, data = tmp_path / "books.jsonl", tmp_path / "data"
    _capture(capture)
    write, calls, lock = zone._write_parquet, [], threading.Lock()

    def second_write_fills_the_disk(table, path):  # the first landing file fits, the second does not
        with lock:
            calls.append(path)
            full = len(calls) == 2
        if full:
            path.write_bytes(b"PAR1" + b"\0" * 100)  # part of the file was written
            raise no_space()
        write(table, path)

    monkeypatch.setattr(zone, "_write_parquet", second_write_fills_the_disk)
    result = CliRunner().invoke(app, ["import", str(capture), "--data-dir", str(data)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    line = _error_line(result.output)
    failed = calls[1].parent  # the landing folder of the write that failed
    assert f"disk full: could not write {failed} (no space left on device)" in line
    assert "free now on the file system of" in line
    assert f"needs at most {capture.stat().st_size / 1000:,.1f} KB more (the capture's own size" in line
    assert f"Kept: 1 landing file with {BOOKS:,} rows, each whole" in line and f"import {capture} again" in line
    kept = sorted(p for p in data.rglob("*") if p.is_file() and "_rejects" not in p.parts)
    assert len(kept) == 1 and kept[0].suffix == ".parquet" and not kept[0].name.startswith(".")  # no partial file

    monkeypatch.setattr(zone, "_write_parquet", write)
    again = CliRunner().invoke(app, ["import", str(capture), "--data-dir", str(data)])
    assert again.exit_code == 0, again.output
    landed = {p.parent.name for p in data.rglob("*.parquet")}
    assert landed == {"exchange=binance", "exchange=okx"}


@pytest.mark.e2e
def test_build_on_a_full_disk_says_so_and_builds_once_there_is_room(tmp_path, monkeypatch, dbt_manifest):
    import mmwatch.lake.files as lake_files

    capture, data = tmp_path / "books.jsonl", tmp_path / "data"
    _capture(capture)
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(capture), "--data-dir", str(data)]).exit_code == 0
    layout = DataDir(data)
    landing = sorted(layout.landing.rglob("*.parquet"))
    open_writer = lake_files._parquet_writer
    fill_the_lake(monkeypatch)
    result = runner.invoke(app, ["build", "--date", DAY, "--data-dir", str(data)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    line = _error_line(result.output)
    assert line.startswith(f"error: disk full during the build of {DAY}: ") and "No space left on device" in line
    assert f"free now on the file system of {layout.root}" in line
    size = sum(p.stat().st_size for p in landing)
    assert f"needs about {size / 1000:,.1f} KB for the day's lake files" in line
    assert f"Kept: the landing files of {DAY}" in line and f"run `mmwatch build --date {DAY}` again" in line
    assert sorted(layout.landing.rglob("*.parquet")) == landing  # untouched
    assert not [p for p in layout.lake.rglob("*") if p.is_file() and p.suffix == ".parquet"]  # nothing half written

    monkeypatch.setattr(lake_files, "_parquet_writer", open_writer)  # room again
    again = runner.invoke(app, ["build", "--date", DAY, "--data-dir", str(data)])
    assert again.exit_code == 0, again.output
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from fct_orderbook_snapshot_metrics").fetchone() == (2 * BOOKS,)


@pytest.mark.parametrize("error", [
    no_space(),  # pyarrow, Python
    RuntimeError("parquet: File out of specification: underlying IO error: No space left on device (os error 28)"),  # polars
    RuntimeError('IO Error: Could not write file "warehouse.duckdb.wal": No space left on device'),  # DuckDB
    RuntimeError("database or disk is full"),  # SQLite (Dagster's run storage)
])
def test_every_shape_of_a_full_disk_is_recognised(error):
    assert is_disk_full(error) and is_disk_full(ValueError("wrapped")) is False
    try:
        raise RuntimeError("the step failed") from error
    except RuntimeError as wrapped:
        assert is_disk_full(wrapped)
    assert failure_line(f"the Dagster run 1 of raw_ingest_job failed\n  raw_orderbooks: {error}").startswith("raw_orderbooks")
