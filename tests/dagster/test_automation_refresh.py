"""The refresh contract on real runs and a real dbt build, started by the automation's own ticks
(tests/automation_ticks.py): today's partition appends what is new, yesterday is rebuilt in
full by the day close with its dbt tests, a backfill of a past day rebuilds that day only, and none
of them touches another day's rows."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import dagster as dg
import pytest

from assets.refresh import DBT_MODE_TAG, FULL_REBUILD_TAG, appends
from automation_ticks import Daemon
from mart_rows import days_in, land_books, snapshot_rows
from mmwatch.days import utc_today


def test_refresh_contract():
    assert appends("2026-11-20", {}, today="2026-11-20")
    assert not appends("2026-11-20", {FULL_REBUILD_TAG: "true"}, today="2026-11-20")  # mmwatch build, backfills
    assert not appends("2026-11-19", {}, today="2026-11-20")  # any other day: the day close, a backfill
    assert appends("2026-11-20", {FULL_REBUILD_TAG: "false"}, today="2026-11-20")


def _ts_spread(rows: list[tuple]) -> list[tuple]:
    return [(ts, pytest.approx(spread)) for _, ts, spread in rows]


def _expected(day: str, seconds: list[int], spread_bps: float) -> list[tuple]:
    """(ts, spread_bps) of books at these seconds after midnight of `day` (hand-computed spread)."""
    start_ms = int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1000)
    return [(start_ms + s * 1000, spread_bps) for s in seconds]


@pytest.mark.e2e
def test_today_appends_the_day_close_rebuilds_yesterday_and_neither_touches_the_other(defs, data_dir, instance,
                                                                                     monkeypatch):
    today_date = utc_today()
    if not time(0, 20) <= datetime.now(timezone.utc).time() <= time(23, 50):
        # the ticks are at 00:10-00:18 today and must not be later than the runs they see; the runs'
        # idea of today must not change during the test
        pytest.skip("runs between 00:20 and 23:50 UTC only")
    today, past = today_date.isoformat(), (today_date - timedelta(days=1)).isoformat()
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    daemon = Daemon(defs, instance, str(data_dir.root), sensors=("marts_automation",))

    def at(hour: int, minute: int) -> datetime:  # ticks early this morning: yesterday closes at 00:15
        return datetime.combine(today_date, time(hour, minute), tzinfo=timezone.utc)

    land_books(data_dir, past, 0, 4, 0.05)  # mid 100, 0.10 wide: 10 bps
    land_books(data_dir, today, 0, 3, 0.10)  # 20 bps
    first = daemon.tick(at(0, 10))  # raw runs of both days; today's marts, missing, built at once
    assert [(r.sensor, r.partition) for r in first] == [
        ("landing_sensor", f"{past}|binance"), ("landing_sensor", f"{today}|binance"), ("marts_automation", today)]
    assert all(r.result.success for r in first)
    assert first[-1].result.get_asset_check_evaluations() == []  # a refresh of today runs no dbt test
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[today]) == _expected(today, [0, 10, 20], 20.0) and past not in rows

    close = daemon.tick(at(0, 16))  # the day close: yesterday whole, with every dbt test
    assert [(r.sensor, r.partition) for r in close] == [("marts_automation", past)]
    graph = defs.resolve_asset_graph()
    tests = graph.get_check_keys_for_assets(set(graph.get_all_asset_keys()) & set(graph.materializable_asset_keys))
    evaluations = close[0].result.get_asset_check_evaluations()
    assert close[0].result.success and len(evaluations) == len([t for t in tests if t.name != "lake_schema"]) >= 80
    assert all(e.passed for e in evaluations)
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[past]) == _expected(past, [0, 10, 20, 30], 10.0)
    past_before = rows[past]

    # more data for both days: the tick refreshes today only (appending), yesterday's new raw rows stay
    # out of its closed marts
    land_books(data_dir, past, 40, 2, 0.05)
    land_books(data_dir, today, 30, 1, 0.10)
    refresh = daemon.tick(at(0, 17))
    assert [(r.sensor, r.partition) for r in refresh][-1] == ("marts_automation", today)
    assert refresh[-1].result.get_asset_check_evaluations() == []
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[today]) == _expected(today, [0, 10, 20, 30], 20.0)
    assert rows[past] == past_before
    today_before = rows[today]
    assert daemon.tick(at(0, 18)) == []  # nothing new: nothing runs

    # a backfill of yesterday (daily_marts_job, as `mmwatch build` runs it) rebuilds that day only
    land_books(data_dir, today, 40, 1, 0.10)
    assert [r.partition for r in daemon.land()] == [f"{today}|binance"]
    backfill = defs.resolve_job_def("daily_marts_job").execute_in_process(
        instance=instance, partition_key=past, tags={FULL_REBUILD_TAG: "true"})
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[past]) == _expected(past, [0, 10, 20, 30, 40, 50], 10.0)
    assert rows[past][:4] == past_before  # the rebuilt day keeps its ids and values
    assert rows[today] == today_before
    assert days_in(data_dir, "fct_mm_compliance_daily") >= {past, today}

    # what each dbt run did, recorded on the run: today's refreshes appended, the others recomputed
    modes = [instance.get_run_by_id(run_id).tags[DBT_MODE_TAG] for run_id in
             (first[-1].result.run_id, close[0].result.run_id, refresh[-1].result.run_id, backfill.run_id)]
    assert modes == ["append", "full", "append", "full"]
    # each dbt invocation after the first reused the parse state saved in the data dir: the day goes
    # to dbt in the environment, not as a var whose change forces a whole re-parse
    run_dirs = sorted((data_dir.root / "dbt" / "runs").iterdir())
    logs = ["".join(log.read_text() for log in run.glob("dbt.log*")) for run in run_dirs]  # rotated at 10 MB
    assert len(logs) == 4 and (data_dir.root / "dbt" / "partial_parse.msgpack").exists()
    assert all("Unable to do partial parsing" not in log and "Partial parsing enabled" in log for log in logs[1:])
    assert instance.get_run_by_id(backfill.run_id).status == dg.DagsterRunStatus.SUCCESS
