"""The code location loads and is wired as the contracts say: declared automation on every mart,
freshness policies, the lake-schema checks, no run-status sensor chain."""
from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import dagster as dg
from dagster._core.definitions.freshness import TimeWindowFreshnessPolicy
from dagster._core.definitions.run_status_sensor_definition import RunStatusSensorDefinition
from dagster._core.definitions.sensor_definition import SensorType
from dagster._core.scheduler.instigation import SensorInstigatorData
from dagster._daemon.asset_daemon import MIN_INTERVAL_LOOP_SECONDS
from dagster._daemon.sensor import MIN_INTERVAL_LOOP_TIME, is_under_min_interval

from assets.marts import mmwatch_dbt_assets
from pipelines.ticks import DAEMON_PASS_S

MARTS = {"fct_mm_compliance_daily", "fct_orderbook_snapshot_metrics", "fct_fund_flow", "fct_trades_minute",
         "dim_obligations", "fct_liquidity_minute", "fct_perp_basis_minute", "fct_open_interest"}


def _dbt_keys(graph, group: str | None = None) -> set[dg.AssetKey]:
    return {key for key in mmwatch_dbt_assets.keys if group is None or graph.get(key).group_name == group}


def test_definitions_load_and_validate(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw_orderbooks", "raw_trades", "raw_fetch_errors", "compliance_report", "report_email",
            "alerts_ledger", "analytics/fct_mm_compliance_daily"} <= keys
    assert MARTS <= keys
    assert defs.resolve_sensor_def("landing_sensor").job_name == "raw_ingest_job"
    assert defs.resolve_job_def("daily_marts_job") is not None


def test_every_mart_has_an_automation_condition_and_a_freshness_policy(defs):
    graph = defs.resolve_asset_graph()
    marts = _dbt_keys(graph, "marts")
    assert {key.to_user_string() for key in marts} >= MARTS and len(marts) == 24
    for key in _dbt_keys(graph):  # every model and seed: today's refresh and the day close
        assert graph.get(key).automation_condition.get_label() == "mart", key
    for key in marts:
        assert isinstance(graph.get(key).freshness_policy, TimeWindowFreshnessPolicy), key

    def windows(key: str) -> tuple[timedelta, timedelta]:
        policy = graph.get(dg.AssetKey(key)).freshness_policy
        return policy.warn_window.to_timedelta(), policy.fail_window.to_timedelta()

    # config/example.yaml: books land every 60 s -> WARN after 60 + 90 s, FAIL after 3 x 150 s; fund flow
    # is fetched every 900 s and is fct_fund_flow's only lake input: 990 s and 2970 s
    assert windows("fct_orderbook_snapshot_metrics") == (timedelta(seconds=150), timedelta(seconds=450))
    assert windows("fct_perp_basis_minute") == (timedelta(seconds=150), timedelta(seconds=450))  # books and funding
    assert windows("fct_fund_flow") == (timedelta(seconds=990), timedelta(seconds=2970))
    assert windows("raw_orderbooks") == windows("raw_trades") == (timedelta(seconds=150), timedelta(seconds=450))
    assert windows("raw_ohlcv_1m") == (timedelta(seconds=3690), timedelta(seconds=11070))
    assert graph.get(dg.AssetKey("raw_fetch_errors")).freshness_policy is None  # silence is good news


def _ticks_on_every_pass(min_interval_s: int) -> bool:
    """Dagster's own rule (`is_under_min_interval`): is a sensor whose last tick started a few ms
    into the daemon's previous pass due on this pass? (Its interval is compared with the time since
    that start: an interval equal to the loop's period skipped every other pass, a tick every 10 s.)"""
    # both daemons' loop periods: a Dagster upgrade changing one shows here
    assert DAEMON_PASS_S == MIN_INTERVAL_LOOP_SECONDS == MIN_INTERVAL_LOOP_TIME
    started = time.time() - DAEMON_PASS_S + 0.02
    state = SimpleNamespace(instigator_data=SensorInstigatorData(last_tick_start_timestamp=started,
                                                                 last_tick_timestamp=started))
    return not is_under_min_interval(state, SimpleNamespace(min_interval_seconds=min_interval_s))


def test_no_run_status_sensor_chain_remains(defs):
    status_sensors = [s for s in defs.sensors if isinstance(s, RunStatusSensorDefinition)]
    # the only one reports failed runs to the data route; it requests no run
    assert [s.name for s in status_sensors] == ["run_failure_sensor"]
    assert not status_sensors[0].targets and status_sensors[0].sensor_type == SensorType.RUN_STATUS
    assert status_sensors[0]._run_status == dg.DagsterRunStatus.FAILURE  # noqa: SLF001 (no public accessor)
    automation = {s.name: s for s in defs.sensors if isinstance(s, dg.AutomationConditionSensorDefinition)}
    assert set(automation) == {"marts_automation", "alerts_automation", "serving_automation", "report_automation"}
    # every asset with a condition is evaluated by one of them (no default sensor appears)
    graph = defs.resolve_asset_graph()
    targeted = set().union(*(s.asset_selection.resolve(graph) for s in automation.values()))
    conditioned = {k for k in graph.materializable_asset_keys if graph.get(k).automation_condition is not None}
    assert conditioned == targeted and "default_automation_condition_sensor" not in {s.name for s in defs.sensors}
    health = {"heartbeat_sensor", "freshness_sensor"}  # the pipeline watching itself: no run requested
    assert {s.name for s in defs.sensors} == {"landing_sensor", "run_failure_sensor", *health, *automation}
    assert all(not defs.resolve_sensor_def(name).targets for name in health)
    # the only schedules left are the data sets' and the upkeep's (the day close and the report are conditions now)
    assert sorted(s.name for s in defs.schedules) == sorted(f"{name}_schedule" for name in (
        "tickers", "funding", "open_interest", "long_short_ratio", "fund_flow", "contract_stats", "ohlcv",
        "lake_compaction", "landing_retention"))


def test_the_sensors_following_new_data_tick_on_every_pass_of_the_daemon(defs):
    following = ["landing_sensor", "marts_automation", "alerts_automation", "serving_automation"]
    intervals = {name: defs.resolve_sensor_def(name).minimum_interval_seconds for name in following}
    assert all(_ticks_on_every_pass(interval) for interval in intervals.values()), intervals
    # the report follows its cron, not new data: a minute between its ticks is plenty
    assert not _ticks_on_every_pass(defs.resolve_sensor_def("report_automation").minimum_interval_seconds)


def test_dbt_tests_are_checks_that_go_with_their_models(defs):
    graph = defs.resolve_asset_graph()
    checks = graph.get_check_keys_for_assets(_dbt_keys(graph))
    # every mart carries its dbt tests (the column checks of a model are one columns_valid test)
    marts = _dbt_keys(graph, "marts")
    assert {key.asset_key for key in checks} >= marts
    assert all(any(c.asset_key == m and c.name.startswith("columns_valid_") for c in checks) for m in marts)
    # no condition of their own: a run of the models selects them, and dbt runs them whenever the run
    # recomputes its day (the day close, `mmwatch build`), not on a refresh of today
    assert all(graph.get(key).automation_condition is None for key in checks)
    unique = dg.AssetCheckKey(dg.AssetKey("fct_orderbook_snapshot_metrics"),
                              "unique_fct_orderbook_snapshot_metrics_snapshot_id")
    assert unique in checks and graph.get(unique).blocking


def test_lake_tables_have_a_blocking_schema_check(defs):
    graph = defs.resolve_asset_graph()
    for table in ("raw_orderbooks", "raw_trades", "raw_fetch_errors", "raw_funding", "raw_ohlcv_1m"):
        check = graph.get(dg.AssetCheckKey(dg.AssetKey(table), "lake_schema"))
        assert check.blocking and graph.get(dg.AssetKey(table)).automation_condition is None


def test_followers_and_the_report(defs):
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("alerts_ledger")).automation_condition.get_label() == "follows_marts"
    assert {dg.AssetKey("fct_trades_minute"), dg.AssetKey("fct_orderbook_snapshot_metrics")} <= \
        graph.get(dg.AssetKey("alerts_ledger")).parent_keys
    published = graph.get(dg.AssetKey(["analytics", "fct_mm_compliance_daily"]))
    assert published.automation_condition.get_label() == "follows_marts"
    assert graph.get(dg.AssetKey("compliance_report")).automation_condition.get_label() == "with_marts"
    assert graph.get(dg.AssetKey("report_email")).automation_condition.get_label() == "report_due"


def test_every_marts_run_ends_with_marts_refreshed_which_reads_the_marts_last_nodes(defs):
    """Every asset that reads no other mart's output is a tail; `marts_refreshed` reads them all, so
    every run of a mart holds it (the wait for a marts run of the day, assets/conditions.py, counts on
    it), in the automation's runs and in `mmwatch build`'s."""
    from assets.marts.dbt_assets import MARTS_RUN_TAILS

    graph = defs.resolve_asset_graph()
    marts = set(mmwatch_dbt_assets.keys) | {dg.AssetKey("compliance_report")}
    read_by_a_mart = {key for key in marts for child in graph.get(key).child_keys
                      if child in mmwatch_dbt_assets.keys}
    assert set(MARTS_RUN_TAILS) == marts - read_by_a_mart
    assert {dg.AssetKey("compliance_report"), dg.AssetKey("fct_mm_compliance_monthly")} <= set(MARTS_RUN_TAILS)
    assert dg.AssetKey("fct_orderbook_snapshot_metrics") not in MARTS_RUN_TAILS
    run_end = graph.get(dg.AssetKey("marts_refreshed"))
    assert run_end.parent_keys == set(MARTS_RUN_TAILS)
    assert run_end.automation_condition.get_label() == "ends_marts_runs"
    assert dg.AssetKey("marts_refreshed") in defs.resolve_job_def("daily_marts_job").asset_layer.executable_asset_keys
    marts_sensor = next(s for s in defs.sensors if s.name == "marts_automation")
    assert dg.AssetKey("marts_refreshed") in marts_sensor.asset_selection.resolve(graph)
    # the wait is one test of one asset, not one per last node (its evaluation is stored every tick)
    wait = str(graph.get(dg.AssetKey("fct_orderbook_snapshot_metrics")).automation_condition)
    assert wait.count("marts_refreshed") == 1 and "fct_mm_compliance_monthly" not in wait


def test_every_published_table_depends_on_the_asset_that_writes_its_source(defs):
    """A published copy follows the asset that writes its warehouse table; a dependency on a key no
    asset writes would leave it never requested by the automation (the ledger's once was 'alert_ledger')."""
    graph = defs.resolve_asset_graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    published = [key for key in materializable if key.path[0] == "analytics"]
    assert len(published) > 20
    for key in published:
        assert graph.get(key).parent_keys, key
        assert graph.get(key).parent_keys <= materializable, key
    assert graph.get(dg.AssetKey(["analytics", "alert_ledger"])).parent_keys == {dg.AssetKey("alerts_ledger")}
    assert graph.get(dg.AssetKey(["analytics", "fct_trades_minute"])).parent_keys == {dg.AssetKey("fct_trades_minute")}


def test_followers_take_the_warehouse_slot_before_a_waiting_refresh(defs):
    """The pool's pending steps are served by dagster/priority, then age: the HTML report, the last step
    of a marts run (2: the run holds its marts in progress until it ends), then publishing and the ledger
    (1), then a queued marts refresh (dbt, 0) that would hold them back a whole run."""
    graph = defs.resolve_asset_graph()

    def priority_and_pool(key: dg.AssetKey) -> tuple[int, str]:
        node = graph.assets_def_for_key(key)
        return int(node.op.tags.get("dagster/priority", 0)), node.op.pool

    ledger, published = dg.AssetKey("alerts_ledger"), dg.AssetKey(["analytics", "fct_trades_minute"])
    assert priority_and_pool(ledger) == priority_and_pool(published) == (1, "warehouse")
    assert priority_and_pool(dg.AssetKey("fct_orderbook_snapshot_metrics")) == (0, "warehouse")
    assert priority_and_pool(dg.AssetKey("compliance_report")) == (2, "warehouse")


def test_marts_sit_downstream_of_raw_assets_by_date(defs):
    graph = defs.resolve_asset_graph()
    staging = dg.AssetKey("stg_lake__orderbook_snapshots")
    assert dg.AssetKey("raw_orderbooks") in graph.get(staging).parent_keys
    mapping = graph.get(staging).partition_mappings[dg.AssetKey("raw_orderbooks")]
    assert isinstance(mapping, dg.MultiToSingleDimensionPartitionMapping)
    assert mapping.partition_dimension_name == "date"
    assert graph.get(staging).group_name == "staging"
    assert graph.get(dg.AssetKey("fct_mm_compliance_daily")).group_name == "marts"
    assert dg.AssetKey("fct_mm_compliance_daily") in graph.get(dg.AssetKey("compliance_report")).parent_keys


def test_warehouse_writers_share_one_pool(defs):
    graph = defs.resolve_asset_graph()
    pools = {graph.get(dg.AssetKey(key)).pools.pop() for key in
             ("fct_mm_compliance_daily", "compliance_report", "report_email", "alerts_ledger")}
    assert pools == {"warehouse"}
