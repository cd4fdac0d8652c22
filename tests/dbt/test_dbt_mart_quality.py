"""Every mart is documented and tested (issue 3 quality), read from the dbt manifest.

The columns are those of the tables a real build wrote (the shared scenario warehouse), so a
column added to a model's SQL without a YAML description fails here too.
"""
from __future__ import annotations

import json

import pytest

from dbt_harness import query
from manifest_quality import mart_nodes, mart_tests, undocumented_columns, untested_marts


@pytest.fixture(scope="module")
def manifest(dbt_manifest) -> dict:
    return json.loads(dbt_manifest.read_text())


@pytest.fixture(scope="module")
def catalog(manifest, scenario_dir) -> dict:
    """A catalog-shaped dict of the built marts: unique_id -> columns of the warehouse table."""
    tables: dict[str, dict] = {}
    for row in query(scenario_dir, "select table_name, column_name from information_schema.columns"):
        tables.setdefault(row["table_name"], {})[row["column_name"]] = {}
    return {"nodes": {node["unique_id"]: {"columns": tables[name]}
                      for name, node in mart_nodes(manifest).items() if name in tables}}


def test_every_mart_is_built_by_the_scenario(manifest, catalog):
    built = {unique_id.split(".")[-1] for unique_id in catalog["nodes"]}
    assert set(mart_nodes(manifest)) - built == set()


def test_every_mart_column_has_a_description(manifest, catalog):
    assert undocumented_columns(manifest, catalog) == {}


# the mart names of issue 3 (the contract)
CONTRACT_MARTS = {
    "fct_orderbook_snapshot_metrics", "fct_liquidity_minute", "fct_liquidity_daily", "fct_mm_compliance_daily",
    "fct_mm_breach_episodes", "fct_mm_compliance_monthly", "fct_trades_minute", "fct_trade_flow_daily",
    "fct_candles_1m", "fct_candles_1h", "fct_cross_venue_minute", "fct_arbitrage_opportunities",
    "fct_perp_basis_minute", "fct_open_interest", "fct_long_short_ratio", "fct_fund_flow", "fct_contract_stats",
    "fct_market_risk_daily", "fct_return_correlation_daily", "fct_indicators_hourly", "dim_markets",
    "dim_obligations", "fct_data_coverage_daily",
}


def test_every_mart_has_a_grain_test_and_not_null_keys(manifest):
    assert CONTRACT_MARTS <= set(mart_nodes(manifest))
    assert untested_marts(manifest) == {}


def test_percentages_are_range_checked(manifest):
    """Every *_pct column of every mart is tested to lie in [0, 100]."""
    tests = mart_tests(manifest)
    gaps = {}
    for mart, node in mart_nodes(manifest).items():
        ranged = {column for name, column in tests[mart] if name == "accepted_range"}
        missing = sorted(column for column in node["columns"] if column.endswith("_pct") and column not in ranged)
        if missing:
            gaps[mart] = missing
    assert gaps == {}


def test_the_checks_catch_a_gap():
    """The helpers report an undocumented column and a mart without tests (not vacuous)."""
    manifest = {"nodes": {
        "model.mmwatch.fct_x": {"resource_type": "model", "name": "fct_x", "unique_id": "model.mmwatch.fct_x",
                                "original_file_path": "models/marts/fct_x.sql", "description": "X.",
                                "columns": {"a": {"description": "A."}, "b": {"description": " "}}},
    }}
    catalog = {"nodes": {"model.mmwatch.fct_x": {"columns": {"a": {}, "b": {}, "c": {}}}}}
    assert undocumented_columns(manifest, catalog) == {"fct_x": ["b", "c"]}
    assert untested_marts(manifest) == {"fct_x": ["grain uniqueness test", "not_null key test"]}


def test_columns_valid_reports_each_broken_check(scenario_dir, tmp_path):
    """The one column test per model (macros/generic_tests.sql) fails on a NULL key and on a
    percentage over 100, naming both."""
    import shutil

    import duckdb

    from dbt_harness import run_dbt

    for suffix in ("", ".wal"):  # dbt in this process may not have checkpointed its last writes yet
        if (scenario_dir / f"warehouse.duckdb{suffix}").exists():
            shutil.copy(scenario_dir / f"warehouse.duckdb{suffix}", tmp_path / f"warehouse.duckdb{suffix}")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("update fct_liquidity_daily set coverage_pct = 120 where symbol = 'AAA/USDT'")
        con.execute("update fct_liquidity_daily set exchange = null where symbol = 'ONE/USDT'")
    with pytest.raises(AssertionError, match="columns_valid_fct_liquidity_daily") as failed:
        run_dbt(tmp_path, ["test", "--select", "fct_liquidity_daily,test_name:columns_valid"], {})
    assert "Got 2 results" in str(failed.value)
    [compiled] = (tmp_path / "dbt_target" / "compiled").rglob("columns_valid_fct_liquidity_daily*.sql")
    failures = sorted(tuple(row["failures"]) for row in query(tmp_path, compiled.read_text()))
    assert failures == [("coverage_pct outside [0, 100]",), ("exchange is null",)]
