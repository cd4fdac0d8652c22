"""plan_intraday by hand: which raw runs a marts run covers (it reads the lake when it starts)."""
from __future__ import annotations

from pipelines.intraday_plan import RunView, day_of_run_tags, plan_intraday

TODAY = "2026-11-20"


def raw(run_id, end, day=TODAY, status="SUCCESS"):
    return RunView(run_id, "raw_ingest_job", status, day, end - 3, end)


def marts(run_id, start, status="SUCCESS", job="intraday_marts_job", day=TODAY):
    return RunView(run_id, job, status, day, start, None if status != "SUCCESS" else start + 30)


def test_a_raw_run_ending_after_the_last_build_started_needs_a_new_one():
    decision = plan_intraday(TODAY, [raw("r1", 100), raw("r2", 140)], [marts("m1", 120)])
    assert decision.request and decision.run_key == f"intraday-{TODAY}-r2"


def test_raw_runs_ended_before_a_build_started_are_covered_by_it():
    # a daily build of today counts too; a failed build covers nothing
    built = [marts("m1", 140, job="daily_marts_job"), marts("m2", 200, status="FAILURE")]
    decision = plan_intraday(TODAY, [raw("r1", 100), raw("r2", 140)], built)
    assert not decision.request and "already include raw run r2" in decision.reason


def test_failed_raw_runs_and_other_days_are_ignored():
    runs = [raw("r1", 300, status="FAILURE"), raw("r2", 300, day="2026-11-19")]
    assert not plan_intraday(TODAY, runs, []).request


def test_day_of_runs_from_their_tags():
    assert day_of_run_tags({"dagster/partition": "2026-11-20"}) == "2026-11-20"
    assert day_of_run_tags({"dagster/partition": "2026-11-20|okx"}) == "2026-11-20"
    assert day_of_run_tags({"dagster/asset_partition_range_start": "2026-11-19|binance"}) == "2026-11-19"
    assert day_of_run_tags({}) is None
