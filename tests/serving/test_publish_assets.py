"""The published marts as Dagster assets: wiring, and a real publish_marts_job run."""
from __future__ import annotations

import dagster as dg
import psycopg

from mmwatch.serving.postgres import with_database


def test_published_marts_sit_downstream_of_the_marts_in_the_warehouse_pool(dbt_manifest):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["analytics", "fct_mm_compliance_daily"]))
    assert node.group_name == "serving" and node.pools == {"warehouse"}
    assert dg.AssetKey("fct_mm_compliance_daily") in node.parent_keys
    assert dg.AssetKey(["analytics", "dim_obligations"]) in graph.get_all_asset_keys()
    sensor = defs.resolve_sensor_def("publish_after_marts")
    assert sensor.job_name == "publish_marts_job"


def test_publish_marts_job_publishes_the_day(built_day, pg_dsn, throwaway_database, monkeypatch):
    day, warehouse = built_day
    database = throwaway_database()
    monkeypatch.setenv("MMWATCH_DATA_DIR", str(warehouse.parent))
    monkeypatch.setenv("MMWATCH_ANALYTICS_DSN", pg_dsn)
    from pipelines.definitions import defs

    job = defs.resolve_job_def("publish_marts_job")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, partition_key=day,
            run_config={"resources": {"analytics": {"config": {"dsn": pg_dsn, "database": database}}}},
        )
        assert result.success
        rows = {
            m.asset_key.path[-1]: m.metadata["rows_sent"].value
            for m in result.asset_materializations_for_node("published_marts")
        }
    assert rows["fct_orderbook_snapshot_metrics"] == 1440 and rows["fct_mm_compliance_daily"] == 2
    with psycopg.connect(with_database(pg_dsn, database)) as pg:
        assert pg.execute("select count(*) from marts.fct_mm_compliance_daily where day = %s", (day,)).fetchone() == (2,)
