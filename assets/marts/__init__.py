"""The dbt marts as Dagster assets (dbt-duckdb, staging -> intermediate -> marts)."""
from assets.marts.dbt_assets import mmwatch_dbt_assets

MART_ASSETS = [mmwatch_dbt_assets]
