"""The declared automation on a real instance: ticks of the real automation sensors (the daemon's own
evaluation code, tests/automation_ticks.py) against runs and materializations recorded in the
instance. What a run would build is recorded without running dbt; test_automation_refresh.py and
test_automation_e2e.py run the requested runs for real.

Evaluation times are on 2026-11-20 (DAY) and the next day; the day's partition is "today" for them."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import pytest

from assets.marts import mmwatch_dbt_assets
from assets.partitions import day_exchange_key, partition_range_tags
from automation_ticks import Daemon
from landing_factory import DAY

PAST, NEXT = "2026-11-19", "2026-11-21"
RUN_END = "marts_refreshed"  # the last step of every marts run
MARTS_RUN = frozenset(k.to_user_string() for k in mmwatch_dbt_assets.keys) | {"compliance_report", RUN_END}


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


@pytest.fixture
def daemon(defs, data_dir, instance) -> Daemon:
    return Daemon(defs, instance, str(data_dir.root))


def requested(daemon: Daemon, sensor: str, when: datetime) -> list[tuple[str, frozenset[str]]]:
    """(partition, assets) of each run one tick of `sensor` requests (each run takes the assets'
    checks: dbt decides whether its tests run, test_automation_refresh.py)."""
    runs = daemon.requests(sensor, when)
    assert all(not r.asset_check_keys for r in runs)
    return [(r.partition_key, frozenset(k.to_user_string() for k in r.asset_selection)) for r in runs]


def built(instance: dg.DagsterInstance, day: str, assets) -> None:
    """Record what a run of `assets` for `day` would leave: a materialization of each."""
    for asset in assets:
        instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey.from_user_string(asset), partition=day))


def landed(instance: dg.DagsterInstance, day: str, table: str = "raw_orderbooks", passed: bool | None = True) -> None:
    """A raw run of `table` for day|binance, with the outcome of its lake-schema check."""
    instance.report_runless_asset_event(
        dg.AssetMaterialization(table, partition=str(day_exchange_key(day, "binance"))))
    if passed is not None:
        instance.report_runless_asset_event(dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(table), check_name="lake_schema", passed=passed))


def in_flight(defs: dg.Definitions, instance: dg.DagsterInstance, assets, tags: dict[str, str]) -> dg.DagsterRun:
    """A run of `assets` started in the instance (planned, not finished): it holds its partitions."""
    keys = {dg.AssetKey.from_user_string(a) for a in assets}
    job = defs.resolve_implicit_job_def_def_for_assets(list(keys))
    return instance.create_run_for_job(job, asset_selection=keys, tags=tags, status=dg.DagsterRunStatus.STARTED)


def ended(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """The run is over (here: failed; what matters is that it holds its partitions no more)."""
    instance.report_run_failed(instance.get_run_by_id(run.run_id))


def books_downstream(defs) -> frozenset[str]:
    """The dbt nodes that read raw_orderbooks, directly or not, and the HTML report."""
    graph = defs.resolve_asset_graph()
    downstream = dg.AssetSelection.assets("stg_lake__orderbook_snapshots").downstream().resolve(graph)
    return frozenset(k.to_user_string() for k in downstream if k.to_user_string() in MARTS_RUN)


def test_today_refreshes_as_its_raw_data_lands_and_nothing_else(defs, daemon, instance):
    # the first tick builds today's missing partition of every model, seed and the report, without a test
    first = requested(daemon, "marts_automation", at(DAY, 9))
    assert first == [(DAY, MARTS_RUN)]
    built(instance, DAY, MARTS_RUN)
    assert requested(daemon, "marts_automation", at(DAY, 9, 1)) == []

    landed(instance, PAST)  # a past day's raw data (an import): its marts wait for a build of that day
    assert requested(daemon, "marts_automation", at(DAY, 9, 2)) == []

    landed(instance, DAY)  # books of today: what reads them is refreshed, in one run
    (partition, assets), = requested(daemon, "marts_automation", at(DAY, 9, 3))
    assert partition == DAY and assets == books_downstream(defs)
    assert {"stg_lake__orderbook_snapshots", "fct_orderbook_snapshot_metrics", "fct_mm_compliance_daily",
            "fct_liquidity_minute", "fct_cross_venue_minute", "compliance_report"} <= assets
    assert not assets & {"stg_lake__trades", "fct_fund_flow", "mm_obligations", "stg_seeds__mm_obligations"}
    built(instance, DAY, assets)
    assert requested(daemon, "marts_automation", at(DAY, 9, 4)) == []  # nothing new: nothing asked

    landed(instance, DAY, "raw_trades")  # trades of today: the trade marts, not the book-only ones
    (_, trade_assets), = requested(daemon, "marts_automation", at(DAY, 9, 5))
    assert {"stg_lake__trades", "fct_trades_minute", "fct_candles_1m"} <= trade_assets
    assert not trade_assets & {"stg_lake__orderbook_snapshots", "fct_orderbook_snapshot_metrics"}


def books_refresh_in_flight(defs, daemon, instance) -> tuple[frozenset[str], dg.DagsterRun]:
    """Every mart built, then books of today land at 09:01: the refresh requested, started, not ended."""
    built(instance, DAY, MARTS_RUN)
    assert requested(daemon, "marts_automation", at(DAY, 9)) == []
    landed(instance, DAY)
    (_, assets), = requested(daemon, "marts_automation", at(DAY, 9, 1))
    return assets, in_flight(defs, instance, assets, {"dagster/partition": DAY})


def test_data_landing_while_a_refresh_waits_or_runs_is_picked_up_once_after_it(defs, daemon, instance):
    assets, run = books_refresh_in_flight(defs, daemon, instance)
    for minute in (2, 3):  # more books land while it runs: no second run
        landed(instance, DAY)
        assert requested(daemon, "marts_automation", at(DAY, 9, minute)) == []
    ended(instance, run)  # it ended without those books
    assert requested(daemon, "marts_automation", at(DAY, 9, 4)) == [(DAY, assets)]
    assert requested(daemon, "marts_automation", at(DAY, 9, 5)) == []


def test_other_data_landing_while_a_refresh_runs_waits_for_it_and_goes_in_one_run(defs, daemon, instance):
    _, run = books_refresh_in_flight(defs, daemon, instance)
    built(instance, DAY, ["stg_lake__orderbook_snapshots"])  # the run is past its first node
    # trades and fetch errors land while it runs: their marts are not in it, yet they wait for it
    # (a run of them now would leave what they share with it to a third run, after both)
    landed(instance, DAY, "raw_trades")
    assert requested(daemon, "marts_automation", at(DAY, 9, 2)) == []
    landed(instance, DAY, "raw_fetch_errors")
    assert requested(daemon, "marts_automation", at(DAY, 9, 3)) == []
    ended(instance, run)
    (partition, after), = requested(daemon, "marts_automation", at(DAY, 9, 4))  # one run takes both
    graph = defs.resolve_asset_graph()
    landed_since = frozenset(k.to_user_string() for k in dg.AssetSelection.assets(
        "stg_lake__trades", "stg_lake__fetch_errors").downstream().resolve(graph)) & MARTS_RUN
    assert partition == DAY and after == landed_since and "stg_lake__orderbook_snapshots" not in after
    assert requested(daemon, "marts_automation", at(DAY, 9, 5)) == []


def test_the_day_close_rebuilds_yesterday_once_after_its_raw_runs(defs, daemon, instance):
    built(instance, DAY, MARTS_RUN)
    landed(instance, DAY)
    assert requested(daemon, "marts_automation", at(DAY, 23, 59)) == []  # first tick: state only
    # after midnight the new day is missing: it is built at once; the old day waits for 00:15
    assert requested(daemon, "marts_automation", at(NEXT, 0, 10)) == [(NEXT, MARTS_RUN)]
    # the last landing files of the day are still being ingested: what reads them waits for that run
    late = in_flight(defs, instance, ["raw_orderbooks", "raw_trades", "raw_fetch_errors"],
                     partition_range_tags(DAY, ["binance"]))
    graph = defs.resolve_asset_graph()
    waiting = frozenset(k.to_user_string() for k in dg.AssetSelection.assets(
        "stg_lake__orderbook_snapshots", "stg_lake__trades", "stg_lake__fetch_errors").downstream().resolve(graph))
    closed_first = MARTS_RUN - waiting
    assert {"mm_obligations", "stg_lake__funding", "fct_fund_flow"} <= closed_first
    assert "fct_mm_compliance_daily" in waiting and "compliance_report" in waiting
    assert RUN_END in waiting  # it reads the last nodes of both branches, and ends each branch's run
    assert requested(daemon, "marts_automation", at(NEXT, 0, 16)) == [(DAY, closed_first | {RUN_END})]
    ended(instance, late)
    assert requested(daemon, "marts_automation", at(NEXT, 0, 17)) == [(DAY, MARTS_RUN - closed_first)]
    assert requested(daemon, "marts_automation", at(NEXT, 0, 18)) == []  # once
    # the next night closes the next day whole
    built(instance, NEXT, MARTS_RUN)
    early = requested(daemon, "marts_automation", at("2026-11-22", 0, 5))
    # (no refresh of NEXT after its own 00:15: that tick must not close it before the next 00:15; the
    # HTML report follows marts recorded without a run, as here)
    assert set(early) == {("2026-11-22", MARTS_RUN), (NEXT, frozenset({"compliance_report", RUN_END}))}
    assert requested(daemon, "marts_automation", at("2026-11-22", 0, 16)) == [(NEXT, MARTS_RUN)]


def test_a_failed_blocking_lake_check_holds_the_marts_until_a_run_passes_it(daemon, instance):
    built(instance, DAY, MARTS_RUN)
    assert requested(daemon, "marts_automation", at(DAY, 9)) == []
    landed(instance, DAY, passed=False)  # the batch broke the lake schema (it was not written)
    assert requested(daemon, "marts_automation", at(DAY, 9, 1)) == []
    assert requested(daemon, "marts_automation", at(DAY, 9, 2)) == []
    landed(instance, DAY, passed=True)  # the next batch is good: today's books marts follow
    (partition, assets), = requested(daemon, "marts_automation", at(DAY, 9, 3))
    assert partition == DAY and "fct_orderbook_snapshot_metrics" in assets


def test_published_tables_and_the_alert_ledger_follow_every_marts_update(daemon, instance):
    for sensor in ("alerts_automation", "serving_automation"):
        assert requested(daemon, sensor, at(DAY, 9)) == []
    built(instance, DAY, ["fct_orderbook_snapshot_metrics", "fct_mm_compliance_daily"])  # today's refresh
    built(instance, PAST, ["fct_trades_minute"])  # a backfill of a past day
    assert requested(daemon, "alerts_automation", at(DAY, 9, 1)) == [(PAST, frozenset({"alerts_ledger"})),
                                                                      (DAY, frozenset({"alerts_ledger"}))]
    assert requested(daemon, "serving_automation", at(DAY, 9, 1)) == [
        (PAST, frozenset({"analytics/fct_trades_minute"})),
        (DAY, frozenset({"analytics/fct_orderbook_snapshot_metrics", "analytics/fct_mm_compliance_daily"}))]
    for sensor in ("alerts_automation", "serving_automation"):  # once per update
        assert requested(daemon, sensor, at(DAY, 9, 2)) == []
    built(instance, DAY, ["alerts_ledger"])  # the ledger's evaluation ran: its published copy follows
    assert requested(daemon, "serving_automation", at(DAY, 9, 3)) == [(DAY, frozenset({"analytics/alert_ledger"}))]


def test_followers_wait_until_the_marts_run_they_follow_has_ended(defs, daemon, instance):
    """A marts run materializes its marts one by one: the ledger and the published tables wait until the
    run is over, then go once each, every table whose mart the run built in one run (a table published
    as its own mart was in would wait for the warehouse slot the run holds anyway, a run each)."""
    for sensor in ("alerts_automation", "serving_automation"):
        assert requested(daemon, sensor, at(DAY, 8, 59)) == []
    run = in_flight(defs, instance, MARTS_RUN, {"dagster/partition": DAY})
    built(instance, DAY, ["fct_orderbook_snapshot_metrics"])  # its first mart is in, the others not yet
    for sensor in ("alerts_automation", "serving_automation"):
        assert requested(daemon, sensor, at(DAY, 9)) == []
    built(instance, DAY, ["fct_mm_compliance_daily", "fct_trades_minute"])
    for sensor in ("alerts_automation", "serving_automation"):  # the report and other marts still to come
        assert requested(daemon, sensor, at(DAY, 9, 1)) == []
    ended(instance, run)
    assert requested(daemon, "alerts_automation", at(DAY, 9, 2)) == [(DAY, frozenset({"alerts_ledger"}))]
    assert requested(daemon, "serving_automation", at(DAY, 9, 2)) == [
        (DAY, frozenset({"analytics/fct_orderbook_snapshot_metrics", "analytics/fct_mm_compliance_daily",
                         "analytics/fct_trades_minute"}))]
