"""A full disk under the collector's landing zone, then under the lake during the raw runs.
(tests/cli/test_disk_full_messages.py covers `mmwatch import` and `mmwatch build`.)

The full disk is simulated where it bites: the Parquet write of a landing file (the collector's landing
thread) and of a lake file (the raw run) raise what pyarrow raises when the disk is full,
OSError(ENOSPC, "... [errno 28] No space left on device"), the landing write after part of the file is
written. Everything else is real: the collector in virtual time against the simulator, the landing
sensor's runs of raw_ingest_job, the free space printed."""
from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.parquet as pq
import pytest

from collect_harness import collect_cycles, landed
from fault_day_run import LogLines
from full_disk import fill_the_lake, no_space
from mmwatch.config import parse_config
from mmwatch.landing.zone import list_landing
from mmwatch.settings import DataDir

pytestmark = pytest.mark.e2e
SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.yaml"
START_MS = 1_795_132_800_000 + 3_600_000  # 2026-11-20 01:00 UTC, a quiet hour of smoke.yaml
FULL_FROM, ROOM_FROM, CYCLES = 12, 24, 36  # cycles of 10 s: the disk is full from 00:02 to 00:04 of the run
TABLES = ("raw_orderbooks", "raw_trades")


def _raw_runs(requests) -> list[dg.ExecuteInProcessResult]:
    from pipelines.definitions import defs

    job = defs.resolve_job_def("raw_ingest_job")
    with dg.DagsterInstance.ephemeral() as instance:
        return [job.execute_in_process(instance=instance, run_config=r.run_config, tags=r.tags, raise_on_error=False,
                                       asset_selection=r.asset_selection) for r in requests]


def _lake(data: DataDir, table: str) -> pl.DataFrame:
    files = sorted(data.lake_dir(table).glob("day=*/exchange=*/*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else pl.DataFrame()


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory, dbt_manifest):
    import mmwatch.lake.files as lake_files
    import mmwatch.landing.zone as zone
    from pipelines.sensors import landing_sensor
    from resources.data_dir import DataDirResource
    from simulator.process import SimulatorThread

    data = DataDir(tmp_path_factory.mktemp("full_disk") / "data")
    disk = {"full": False, "refused": []}
    write = zone._write_parquet

    def landing_write(table, path):
        if disk["full"]:
            disk["refused"].append(path)
            path.write_bytes(b"PAR1" + b"\0" * 100)  # part of the file was written
            raise no_space()
        write(table, path)

    def before_cycle(index: int, _t_ms: int) -> None:
        disk["full"] = FULL_FROM <= index < ROOM_FROM

    sinks_log, lines = logging.getLogger("mmwatch.collector.sinks"), LogLines()
    sinks_log.addHandler(lines)
    config = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT", "ETH/BTC"], "orderbook_levels": 20}}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zone, "_write_parquet", landing_write)
        try:
            with SimulatorThread(SMOKE, clock="virtual") as sim:
                collector = collect_cycles(sim, config, data, START_MS, CYCLES, before_cycle=before_cycle)
        finally:
            sinks_log.removeHandler(lines)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MMWATCH_DATA_DIR", str(data.root))
        context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(),
                                          resources={"data_dir": DataDirResource()})
        requests = list(landing_sensor(context))
        open_writer = lake_files._parquet_writer
        fill_the_lake(patch)
        on_full_lake = _raw_runs(requests)
        lake_tmp = sorted(p for p in data.lake.rglob("*") if p.is_file())
        patch.setattr(lake_files, "_parquet_writer", open_writer)  # room again
        with_room = _raw_runs(requests)
        lake_once = {table: _lake(data, table) for table in TABLES}
        retried = _raw_runs(requests)
    return {"data": data, "collector": collector, "refused": disk["refused"], "lines": lines.lines,
            "requests": requests, "on_full_lake": on_full_lake, "lake_after_full": lake_tmp,
            "with_room": with_room, "lake_once": lake_once, "retried": retried}


def test_the_collector_holds_rows_while_the_landing_disk_is_full_and_lands_them_after(full_disk):
    data, collector = full_disk["data"], full_disk["collector"]
    assert full_disk["refused"], "the disk never filled"
    assert not list(data.landing.rglob("*.tmp")) and not list(data.landing.rglob(".*"))  # no partial file
    for dataset, counted in (("orderbooks", "snapshots"), ("trades", "trades")):
        rows = landed(data, dataset)
        assert rows.height == collector.counts[("binance", counted)] > 0, dataset  # every fetched row landed
        assert collector.sink.rows[dataset] == rows.height and collector.sink.dropped_rows == 0
    books = landed(data, "orderbooks")
    assert books.select("symbol", "received_ts").is_unique().all() and books.height == 2 * CYCLES
    for landing_file in list_landing(data, "orderbooks"):
        assert pq.read_table(landing_file.path).num_rows > 0  # every landing file whole


def test_the_full_landing_disk_is_said_once_with_the_folder_and_the_rows_held(full_disk):
    data, lines = full_disk["data"], full_disk["lines"]
    full = [line for line in lines if line.startswith("disk full: ")]
    (first,) = full
    folder = full_disk["refused"][0].parent
    assert first.startswith(f"disk full: could not write a landing file in {folder} (OSError: [Errno 28] ")
    assert f"free now on the file system of {folder}" in first and "rows are held in memory" in first
    (again,) = [line for line in lines if line.startswith("landing again: ")]
    assert "rows held while the disk was full are landed" in again and lines.index(again) > lines.index(first)


def test_a_full_lake_fails_the_raw_run_in_one_line_and_keeps_the_partition(full_disk):
    data = full_disk["data"]
    assert full_disk["requests"] and not any(r.success for r in full_disk["on_full_lake"])
    messages = [event.step_failure_data.error.cause.message for r in full_disk["on_full_lake"]
                for event in r.all_events if event.is_step_failure]
    assert messages
    for message in messages:
        assert message.startswith("mmwatch.disk_full.DiskFull: disk full: could not write the raw_")
        assert message.strip().count("\n") == 0 and "No space left on device" in message
        assert f"free now on the file system of {data.lake}" in message
        assert "nothing of this run in it, the unfinished file removed) and every landing file" in message
        assert "run the raw run again: rows already in the lake are skipped" in message
    assert [p for p in full_disk["lake_after_full"] if p.suffix in (".parquet", ".tmp")] == []


def test_the_raw_run_again_with_room_lands_everything_once(full_disk):
    data, once = full_disk["data"], full_disk["lake_once"]
    assert all(r.success for r in full_disk["with_room"]) and all(r.success for r in full_disk["retried"])
    books, trades = landed(data, "orderbooks"), landed(data, "trades")
    assert once["raw_orderbooks"].height == books.height == 2 * CYCLES
    assert once["raw_orderbooks"]["snapshot_id"].is_unique().all()
    assert once["raw_trades"].height == trades["trade_id"].n_unique() == trades.height
    for table in TABLES:  # the retry added nothing
        assert _lake(data, table).height == once[table].height, table


def test_past_the_bound_the_oldest_held_rows_are_dropped_and_counted(tmp_path, monkeypatch, caplog):
    import mmwatch.collector.sinks as sinks
    import mmwatch.landing.zone as zone
    from simulator.process import SimulatorThread

    disk = {"full": True}
    write = zone._write_parquet

    def landing_write(table, path):
        if disk["full"]:
            raise no_space()
        write(table, path)

    def before_cycle(index: int, _t_ms: int) -> None:
        disk["full"] = index < 30

    monkeypatch.setattr(zone, "_write_parquet", landing_write)
    monkeypatch.setattr(sinks, "HELD_ROWS_MAX", 30)
    data = DataDir(tmp_path / "data")
    config = parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT", "ETH/BTC"], "orderbook_levels": 20,
                                                     "datasets": ["orderbooks"]}}})
    with caplog.at_level(logging.WARNING, logger="mmwatch.collector.sinks"):
        with SimulatorThread(SMOKE, clock="virtual") as sim:
            # the landing thread off: each minute's write is done (and refused) at its tick, as the bound
            # test needs; with the thread, a slow write could still be on its way when the disk has room
            collector = collect_cycles(sim, config, data, START_MS, 36, before_cycle=before_cycle, background=False)
    books = landed(data, "orderbooks")
    # Minutes 0-4 are refused (12 books each); at each tick the held minutes are tried again, and past 30
    # held rows the oldest minute goes: minute 0 at 00:03, minute 1 at 00:04; minutes 2-5 land.
    minutes = sorted(((books["received_ts"] - START_MS) // 60_000).unique().to_list())
    assert collector.sink.dropped_rows == 24 and books.height == 48 and minutes == [2, 3, 4, 5]
    assert books.height + 24 == collector.counts[("binance", "snapshots")] == 72 and collector.sink.held_rows == 0
    drops = [r.getMessage() for r in caplog.records if r.getMessage().startswith("disk full for too long: ")]
    assert drops == ["disk full for too long: 12 rows dropped (12 in all), 24 still held",
                     "disk full for too long: 12 rows dropped (24 in all), 24 still held"]
    (again,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("landing again: ")]
    assert "(24 rows dropped in all since the collector started; " in again
