"""The published marts as Dagster assets: wiring, a real publish_marts_job run, and the serving
automation publishing the day of a marts update (tests/automation_ticks.py) into a real PostgreSQL."""
from __future__ import annotations

import dagster as dg
import psycopg

from automation_ticks import Daemon
from mmwatch.serving.postgres import with_database


def test_published_marts_follow_the_marts_in_the_warehouse_pool(dbt_manifest):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["analytics", "fct_mm_compliance_daily"]))
    assert node.group_name == "serving" and node.pools == {"warehouse"}
    assert dg.AssetKey("fct_mm_compliance_daily") in node.parent_keys
    assert node.automation_condition.get_label() == "follows_marts"
    assert dg.AssetKey(["analytics", "dim_obligations"]) in graph.get_all_asset_keys()
    sensor = defs.resolve_sensor_def("serving_automation")
    published = {k for k in graph.get_all_asset_keys() if k.path[0] == "analytics"}
    assert sensor.asset_selection.resolve(graph) == published


def _analytics(pg_dsn: str, database: str) -> dict:
    return {"resources": {"analytics": {"config": {"dsn": pg_dsn, "database": database}}}}


def test_publish_marts_job_publishes_the_day(built_day, pg_dsn, throwaway_database, monkeypatch):
    day, warehouse = built_day
    database = throwaway_database()
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(warehouse.parent))
    monkeypatch.setenv("MMWATCH_ANALYTICS_DSN", pg_dsn)
    from pipelines.definitions import defs

    job = defs.resolve_job_def("publish_marts_job")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, partition_key=day, run_config=_analytics(pg_dsn, database))
        assert result.success
        rows = {
            m.asset_key.path[-1]: m.metadata["rows_sent"].value
            for m in result.asset_materializations_for_node("published_marts")
        }
    assert rows["fct_orderbook_snapshot_metrics"] == 1440 and rows["fct_mm_compliance_daily"] == 2
    with psycopg.connect(with_database(pg_dsn, database)) as pg:
        assert pg.execute("select count(*) from marts.fct_mm_compliance_daily where day = %s", (day,)).fetchone() == (2,)


def test_a_marts_update_publishes_its_day_of_the_updated_marts(built_day, pg_dsn, throwaway_database, monkeypatch):
    day, warehouse = built_day
    database = throwaway_database()
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(warehouse.parent))
    monkeypatch.setenv("MMWATCH_ANALYTICS_DSN", pg_dsn)
    from pipelines.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        daemon = Daemon(defs, instance, str(warehouse.parent), sensors=("serving_automation",))
        assert daemon.requests("serving_automation", None) == []
        for mart in ("fct_orderbook_snapshot_metrics", "fct_mm_compliance_daily"):  # what a refresh rebuilt
            instance.report_runless_asset_event(dg.AssetMaterialization(mart, partition=day))
        (request,) = daemon.requests("serving_automation", None)
        assert request.partition_key == day
        result = daemon.execute("serving_automation", request, _analytics(pg_dsn, database)).result
        assert result.success
        rows = {m.asset_key.path[-1]: m.metadata["rows_sent"].value for m in result.asset_materializations_for_node(
            "published_marts")}
        assert rows == {"fct_orderbook_snapshot_metrics": 1440, "fct_mm_compliance_daily": 2}  # only these two
        assert daemon.requests("serving_automation", None) == []  # once per update
    with psycopg.connect(with_database(pg_dsn, database)) as pg:
        assert pg.execute("select count(*) from marts.fct_orderbook_snapshot_metrics where day = %s",
                          (day,)).fetchone() == (1440,)
