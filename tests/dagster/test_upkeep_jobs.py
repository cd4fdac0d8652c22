"""The upkeep jobs of the code location (issue 15, bounded disk): lake_compaction_job compacts the
raw partitions of the closed days only, landing_retention_job drops the old landing files the lake
holds and names the one it does not; both on schedules after the day close, running by default."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import duckdb
import polars as pl
import pytest

from assets.raw.orderbooks import ORDERBOOKS
from assets.raw.trades import TRADES
from assets.upkeep.compaction import last_closed_day
from landing_factory import DAY, book, books_frame, levels, trade, trades_frame
from mmwatch.days import utc_today
from mmwatch.lake.files import lake_file_kind, lake_files
from mmwatch.lake.raw_partition import materialize_partition
from mmwatch.landing.retention import DAY_NS
from mmwatch.landing.zone import LandingFile, list_landing, write_landing


def test_a_day_is_closed_once_its_day_close_passed():
    at = lambda text: datetime.fromisoformat(text).replace(tzinfo=timezone.utc)  # noqa: E731
    assert last_closed_day(at("2026-11-22T00:14:59")) == "2026-11-20"
    assert last_closed_day(at("2026-11-22T00:15:00")) == "2026-11-21"
    assert last_closed_day(at("2026-11-22T23:59:00")) == "2026-11-21"


def _aged(path, days: float) -> LandingFile:
    """The landing file renamed as if it had landed `days` ago."""
    old = path.with_name(f"{time.time_ns() - int(days * DAY_NS):019d}" + path.name[19:])
    return LandingFile.parse(path.rename(old))


@pytest.fixture
def fed(data_dir, monkeypatch):
    """DAY (closed) in four batch runs per partition from landing files that landed ten days ago,
    one more old file never ingested, and today's partition in two batch runs."""
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))
    for batch in range(4):
        books = books_frame([book(batch * 60_000 + s * 1000, levels((100, 1)), levels((101, 1))) for s in range(5)])
        trades = trades_frame([trade(batch * 60_000 + s, 100.0, 1.0, "buy", f"t{batch}-{s}") for s in range(3)])
        for table, dataset, frame in ((ORDERBOOKS, "orderbooks", books), (TRADES, "trades", trades)):
            landed = _aged(write_landing(data_dir, dataset, DAY, "binance", frame, "collector"), 10)
            materialize_partition(table, data_dir, DAY, "binance", [landed])
    never = _aged(write_landing(data_dir, "orderbooks", DAY, "okx",
                                books_frame([book(0, levels((100, 1)), levels((101, 1)), exchange="okx")]), "collector"), 10)
    today = utc_today().isoformat()
    now_ms = time.time_ns() // 1_000_000
    for batch in range(2):
        frame = books_frame([{**book(0, levels((100, 1)), levels((101, 1))), "exchange_ts": now_ms - batch,
                              "received_ts": now_ms}])
        landed = LandingFile.parse(write_landing(data_dir, "orderbooks", today, "binance", frame, "collector"))
        materialize_partition(ORDERBOOKS, data_dir, today, "binance", [landed])
    return data_dir, today, never


def _metadata(result, asset: str) -> dict:
    (materialization,) = result.asset_materializations_for_node(asset)
    return {key: value.value for key, value in materialization.metadata.items()}


def test_compaction_then_retention(fed, defs, instance):
    data_dir, today, never = fed
    rows_before = pl.concat([pl.read_parquet(f) for f in lake_files(data_dir, "raw_orderbooks", DAY, "binance")])
    result = defs.resolve_job_def("lake_compaction_job").execute_in_process(instance=instance)
    compaction = _metadata(result, "lake_compaction")
    assert (compaction["partitions_compacted"], compaction["files_before"], compaction["rows"]) == (2, 8, 20 + 12)
    for table in ("raw_orderbooks", "raw_trades"):
        assert [lake_file_kind(f) for f in lake_files(data_dir, table, DAY, "binance")] == ["compact"]
    assert len(lake_files(data_dir, "raw_orderbooks", today, "binance")) == 2  # today is open: left as it is
    [compacted] = lake_files(data_dir, "raw_orderbooks", DAY, "binance")
    assert pl.read_parquet(compacted).sort("snapshot_id").equals(rows_before.sort("snapshot_id"))

    result = defs.resolve_job_def("landing_retention_job").execute_in_process(instance=instance)
    retention = _metadata(result, "landing_retention")
    assert (retention["retention_days"], retention["files_due"], retention["files_dropped"], retention["files_kept"]) == (
        7, 9, 8, 1)
    assert retention["kept"] == [{"file": str(never.path.relative_to(data_dir.root)),
                                  "reason": "1 of its 1 rows are not in the lake (lake/raw_orderbooks/day=2026-11-20/"
                                            "exchange=okx): build the day (mmwatch build --date 2026-11-20) and it "
                                            "goes next time"}]
    assert [f.path for f in list_landing(data_dir, "orderbooks", DAY)] == [never.path]
    assert list_landing(data_dir, "trades", DAY) == []
    assert len(list_landing(data_dir, "orderbooks", today)) == 2


def test_the_upkeep_schedules(defs):
    schedules = {s.name: s for s in defs.schedules}
    compaction, retention = schedules["lake_compaction_schedule"], schedules["landing_retention_schedule"]
    assert (compaction.cron_schedule, retention.cron_schedule) == ("45 0 * * *", "15 1 * * *")
    assert (compaction.job.name, retention.job.name) == ("lake_compaction_job", "landing_retention_job")
    assert {compaction.default_status.value, retention.default_status.value} == {"RUNNING"}


@pytest.mark.e2e
def test_a_day_whose_landing_was_dropped_still_builds(fed, defs, instance, monkeypatch):
    """mmwatch build of a day past the retention: the lake is its source; the raw stage keeps it."""
    data_dir, _, never = fed
    never.path.unlink()  # every landing file of DAY the lake holds is dropped below; this one it never held
    defs.resolve_job_def("lake_compaction_job").execute_in_process(instance=instance)
    defs.resolve_job_def("landing_retention_job").execute_in_process(instance=instance)
    assert list_landing(data_dir, "orderbooks", DAY) == list_landing(data_dir, "trades", DAY) == []
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir.dagster_home))
    from pipelines.daily_build import run_daily_build

    build = run_daily_build(DAY, data_dir.root)
    assert build.exchanges == ["binance"]
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from fct_orderbook_snapshot_metrics where day = ?", [DAY]).fetchone() == (20,)
    assert [lake_file_kind(f) for f in lake_files(data_dir, "raw_orderbooks", DAY, "binance")] == ["compact"]
