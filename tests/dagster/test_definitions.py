"""The code location loads and is wired as the contracts say."""
from __future__ import annotations

import dagster as dg


def test_definitions_load_and_validate(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw_orderbooks", "raw_trades", "raw_fetch_errors", "compliance_report"} <= keys
    assert {"fct_mm_compliance_daily", "fct_orderbook_snapshot_metrics", "dim_obligations"} <= keys
    assert defs.resolve_sensor_def("landing_sensor").job_name == "raw_ingest_job"
    assert defs.resolve_job_def("daily_marts_job") is not None


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
    dbt_node = graph.get(dg.AssetKey("fct_mm_compliance_daily"))
    report = graph.get(dg.AssetKey("compliance_report"))
    assert dbt_node.pools == report.pools == {"warehouse"}
