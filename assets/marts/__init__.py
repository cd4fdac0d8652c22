"""The dbt marts as Dagster assets (dbt-duckdb, staging -> intermediate -> marts), and the step that
ends every marts run (marts_refreshed)."""
from assets.marts.dbt_assets import mmwatch_dbt_assets
from assets.marts.run_end import marts_refreshed

MART_ASSETS = [mmwatch_dbt_assets, marts_refreshed]
