"""The intraday path end to end on real runs and a real dbt build: today's subset refreshes, a past
day is rebuilt only by its own daily run (backfill), and neither touches another day's rows."""
from __future__ import annotations

import dagster as dg
import pytest

from intraday_runs import PAST, days_in, land_books, marts_run, noon_of, raw_run, snapshot_rows
from landing_factory import DAY, DAY_START_MS
from pipelines.intraday_sensor import build_intraday_marts_sensor


def _expected(day_start_ms: int, seconds: list[int], spread_bps: float) -> list[tuple]:
    """(ts, spread_bps) of books at these seconds after midnight (hand-computed spread)."""
    return [(day_start_ms + s * 1000, spread_bps) for s in seconds]


def _ts_spread(rows: list[tuple]) -> list[tuple]:
    return [(ts, pytest.approx(spread)) for _, ts, spread in rows]


@pytest.mark.e2e
def test_intraday_refresh_and_past_day_backfill_touch_only_their_day(defs, data_dir, instance, monkeypatch):
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(data_dir.root))
    monkeypatch.delenv("MMWATCH_OBLIGATIONS_CSV", raising=False)
    past_start_ms = DAY_START_MS - 86_400_000
    sensor = build_intraday_marts_sensor(clock=lambda: noon_of(DAY))
    land_books(data_dir, PAST, 0, 4, 0.05)  # mid 100, 0.10 wide: 10 bps
    land_books(data_dir, DAY, 0, 3, 0.10)  # 20 bps
    raw_run(defs, instance, PAST)
    marts_run(defs, instance, "daily_marts_job", PAST)  # the past day, built whole
    raw_run(defs, instance, DAY)

    request = sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(request, dg.RunRequest) and request.partition_key == DAY
    marts_run(defs, instance, "intraday_marts_job", request.partition_key)
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[DAY]) == _expected(DAY_START_MS, [0, 10, 20], 20.0)
    assert _ts_spread(rows[PAST]) == _expected(past_start_ms, [0, 10, 20, 30], 10.0)
    past_before = rows[PAST]
    # the intraday subset: compliance for today, but no liquidity mart rows (the daily job's)
    assert DAY in days_in(data_dir, "fct_mm_compliance_daily")
    assert days_in(data_dir, "fct_liquidity_minute") == {PAST}
    assert "already include" in sensor(dg.build_sensor_context(instance=instance)).skip_message

    # more data for both days: the sensor asks for today only, and today's run leaves the past day's
    # rows as they were (its two new lake rows stay out of the mart)
    land_books(data_dir, PAST, 40, 2, 0.05)
    land_books(data_dir, DAY, 30, 1, 0.10)
    raw_run(defs, instance, PAST)
    raw_run(defs, instance, DAY)
    request = sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(request, dg.RunRequest) and request.partition_key == DAY
    marts_run(defs, instance, "intraday_marts_job", DAY)
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[DAY]) == _expected(DAY_START_MS, [0, 10, 20, 30], 20.0)
    assert rows[PAST] == past_before
    today_before = rows[DAY]

    # a backfill of the past day rebuilds that day only: today's new lake row stays out of the mart
    land_books(data_dir, DAY, 40, 1, 0.10)
    raw_run(defs, instance, DAY)
    marts_run(defs, instance, "daily_marts_job", PAST)
    rows = snapshot_rows(data_dir)
    assert _ts_spread(rows[PAST]) == _expected(past_start_ms, [0, 10, 20, 30, 40, 50], 10.0)
    assert rows[PAST][:4] == past_before  # the rebuilt day keeps its ids and values
    assert rows[DAY] == today_before

    # each dbt invocation after the first reused the parse state saved in the data dir: the day
    # goes to dbt in the environment, not as a var whose change forces a whole re-parse
    run_dirs = sorted((data_dir.root / "dbt" / "runs").iterdir())
    logs = ["".join(log.read_text() for log in run.glob("dbt.log*")) for run in run_dirs]  # rotated at 10 MB
    assert len(logs) == 4 and (data_dir.root / "dbt" / "partial_parse.msgpack").exists()
    assert all("Unable to do partial parsing" not in log and "Partial parsing enabled" in log for log in logs[1:])
    # the intraday runs (2nd, 3rd) measured only the snapshots the mart did not hold yet and kept the
    # rest (their rows above equal a whole-day computation); the daily runs recomputed their day
    compiled = [(run / "compiled" / "mmwatch" / "models" / "marts" / "fct_orderbook_snapshot_metrics.sql").read_text()
                for run in run_dirs]
    appended = ["not in (select snapshot_id from" in sql and "union all by name" in sql for sql in compiled]
    assert appended == [False, True, True, False]
